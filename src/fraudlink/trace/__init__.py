"""Fund control (资金查控): where each victim's money is now, orders to stop and freeze it, and
its return to victims by the rules.

Public face (filled in by the modules): tracing (`trace.engine`), orders (`trace.orders`) and
return plans (`trace.returns`). The hand-offs between them are the Arrow schemas in
`trace.schemas`.
"""
