"""Event feeds: what happens, in time order, as alliance members see it."""

from fraudlink.model import enums
from fraudlink.model.schema import Column as C
from fraudlink.model.schema import Table

# The identifier each row's `kind` names: the indicator kinds are identifier kinds (`account`
# is a card number); ingest cleans `value` by it.
INDICATOR_VALUE_KINDS = tuple((k, k) for k in enums.INDICATOR_KINDS)
# The identifier kind of the number on each seized item: SIM cards carry mobile numbers (a
# service code or a landline on a SIM is a misread label, refused like any bad value), bank
# cards, corporate kits and USB keys account numbers, phones their IMEI. Computers and seals
# carry none; a POS terminal id is free text.
SEIZED_IDENTIFIER_KINDS = (("sim", "mobile"), ("bank_card", "account"),
                           ("corporate_kit", "account"), ("usb_key", "account"),
                           ("phone", "imei"))  # fmt: skip

transactions = Table(
    "transactions",
    "event",
    "Money movements between accounts, and out of the banking system (ATM, crypto).",
    source="banks and payment firms",
    key=("txn_id",),
    time_column="time",
    columns=(
        C("txn_id", "int64", "Transaction id, unique across the alliance ledger."),
        C("time", "timestamp", "When the money moved (UTC)."),
        C("from_account", "string", "Paying account.", identifier="card"),
        C(
            "to_account",
            "string",
            "Receiving account; empty when the money leaves the banking "
            "system (ATM cash-out, crypto purchase).",
            required=False,
            identifier="card",
        ),
        C("amount_fen", "int64", "Amount in fen (1 yuan = 100 fen).", unit="fen"),
        C("channel", "string", "How the money moved.", enum=enums.TRANSACTION_CHANNELS),
        C("terminal", "string", "ATM, POS or OTC desk id for cash-outs.", required=False),
    ),
)

calls = Table(
    "calls",
    "event",
    "Call and SMS records.",
    source="telecom operators",
    key=("call_id",),
    time_column="time",
    columns=(
        C("call_id", "int64", "Record id."),
        C("time", "timestamp", "Start of the call or sending of the SMS (UTC)."),
        C("caller", "string", "Calling or sending number.", identifier="phone"),
        C("callee", "string", "Called or receiving number.", identifier="phone"),
        C("kind", "string", "Call or SMS.", enum=enums.CALL_KINDS),
        C(
            "duration_s",
            "int32",
            "Call length in seconds; 0 for SMS and unanswered calls.",
            unit="s",
        ),
        C("cell_id", "string", "Cell the caller was in."),
    ),
)

logins = Table(
    "logins",
    "event",
    "Logins to mobile banking and platform accounts, with device and IP.",
    source="banks, payment firms and platforms",
    key=("login_id",),
    time_column="time",
    columns=(
        C("login_id", "int64", "Record id."),
        C("time", "timestamp", "When (UTC)."),
        C("account", "string", "Bank account number or platform account id."),
        C("account_kind", "string", "Which kind of account.", enum=("bank", "platform")),
        C("device_imei", "string", "Device.", identifier="imei"),
        C("ip", "string", "Source IP.", identifier="ip"),
    ),
)

web_events = Table(
    "web_events",
    "event",
    "URL visits and app installs seen for a mobile number.",
    source="telecom operators and platforms",
    key=("event_id",),
    time_column="time",
    columns=(
        C("event_id", "int64", "Record id."),
        C("time", "timestamp", "When (UTC)."),
        C("msisdn", "string", "Mobile number of the user.", identifier="mobile"),
        C("kind", "string", "Visit or install.", enum=enums.WEB_EVENT_KINDS),
        C("url", "string", "URL visited.", required=False, identifier="url"),
        C("app_id", "string", "App installed.", required=False, identifier="app"),
    ),
)

victim_reports = Table(
    "victim_reports",
    "event",
    "Victim reports forwarded by 110 and recorded at the centre's desk.",
    source="police (report desk)",
    key=("report_id",),
    time_column="reported_at",
    columns=(
        C("report_id", "string", "Report number."),
        C("reported_at", "timestamp", "When the report was made (UTC)."),
        C("victim_idno", "string", "Victim's ID number.", identifier="idno"),
        C(
            "victim_msisdn",
            "string",
            "Victim's mobile number; empty when the victim has none.",
            required=False,
            identifier="mobile",
        ),
        C("district", "string", "District where the victim lives."),
        C(
            "fraud_type",
            "string",
            "Fraud type as classified by the desk.",
            enum=tuple(enums.FRAUD_TYPES),
        ),
        C(
            "contact_channel",
            "string",
            "How the fraudster first made contact.",
            enum=enums.CONTACT_CHANNELS,
        ),
        C("narrative", "string", "The victim's account in the desk's words (Chinese)."),
        C("claimed_loss_fen", "int64", "Loss as the victim states it.", unit="fen"),
    ),
)

report_payments = Table(
    "report_payments",
    "event",
    "The payments a victim remembers making; amounts and times may be inexact.",
    source="police (report desk)",
    key=("report_id", "seq"),
    time_column="paid_at",
    columns=(
        C("report_id", "string", "Report the payment belongs to."),
        C("seq", "int16", "Order of the payment in the report, from 1."),
        C("paid_at", "timestamp", "When the victim says they paid (UTC)."),
        C(
            "from_account",
            "string",
            "The victim's paying account, as remembered.",
            required=False,
            identifier="card",
            strict=False,
        ),
        C(
            "to_account",
            "string",
            "The account the victim paid into, as remembered: it may be mistyped, and is kept "
            "as given when it is not a valid card number.",
            identifier="card",
            strict=False,
        ),
        C("amount_fen", "int64", "Amount as remembered.", unit="fen"),
    ),
)

report_indicators = Table(
    "report_indicators",
    "event",
    "Fraudster identifiers a victim gives: numbers, URLs, app ids, social accounts.",
    source="police (report desk)",
    key=("report_id", "kind", "value"),
    columns=(
        C("report_id", "string", "Report the identifier came from."),
        C("kind", "string", "Identifier kind.", enum=enums.INDICATOR_KINDS),
        C(
            "value",
            "string",
            "The identifier, normalised.",
            identifier_by="kind",
            identifier_kinds=INDICATOR_VALUE_KINDS,
        ),
    ),
)

seized_evidence = Table(
    "seized_evidence",
    "event",
    "Items seized in raids on dens, one row per item.",
    source="police (operations)",
    key=("operation_id", "item_no"),
    time_column="seized_at",
    columns=(
        C("operation_id", "string", "Operation (raid) id."),
        C("item_no", "int32", "Item number within the operation."),
        C("seized_at", "timestamp", "When the item was seized (UTC)."),
        C("district", "string", "District of the raided premises."),
        C("item_kind", "string", "What the item is.", enum=enums.SEIZED_ITEM_KINDS),
        C(
            "identifier",
            "string",
            "Number on the item: IMEI, mobile number, card number or "
            "terminal id; empty for computers and seals.",
            required=False,
            identifier_by="item_kind",
            identifier_kinds=SEIZED_IDENTIFIER_KINDS,
        ),
    ),
)

case_confirmations = Table(
    "case_confirmations",
    "event",
    "Identifiers that investigators have confirmed as used in a case.",
    source="police (case files)",
    key=("case_id", "kind", "value"),
    time_column="confirmed_at",
    columns=(
        C("case_id", "string", "Case number."),
        C("report_id", "string", "Report that opened the case."),
        C("confirmed_at", "timestamp", "When the identifier was confirmed (UTC)."),
        C("kind", "string", "Identifier kind.", enum=enums.INDICATOR_KINDS),
        C(
            "value",
            "string",
            "The identifier, normalised.",
            identifier_by="kind",
            identifier_kinds=INDICATOR_VALUE_KINDS,
        ),
    ),
)

member_flags = Table(
    "member_flags",
    "event",
    "Suspicious accounts and numbers that members submit, with their own confidence.",
    source="banks, payment firms, operators and platforms",
    key=("flag_id",),
    time_column="flagged_at",
    columns=(
        C("flag_id", "int64", "Record id."),
        C("flagged_at", "timestamp", "When the member flagged it (UTC)."),
        C("inst_id", "string", "Member that flagged it."),
        C("kind", "string", "Identifier kind.", enum=enums.INDICATOR_KINDS),
        C(
            "value",
            "string",
            "The identifier, normalised.",
            identifier_by="kind",
            identifier_kinds=INDICATOR_VALUE_KINDS,
        ),
        C("confidence", "float64", "Member's confidence, 0 to 1."),
        C("reason", "string", "Member's stated reason."),
    ),
)

EVENT_TABLES = (
    transactions,
    calls,
    logins,
    web_events,
    victim_reports,
    report_payments,
    report_indicators,
    seized_evidence,
    case_confirmations,
    member_flags,
)
