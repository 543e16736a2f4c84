"""Victims' accounts in the desk's words: a Chinese narrative per fraud type, from templates.

Placeholders: {channel} how contact was made, {n} number of payments, {yuan} the total loss as
the victim states it, {platform} the platform the victim was groomed on.
"""

from __future__ import annotations

import numpy as np

CHANNEL_WORDS = {"call": "接到陌生来电", "sms": "收到一条短信", "app": "在网上被陌生人添加好友"}
PLATFORM_WORDS = ("微信", "QQ", "抖音")

TEMPLATES: dict[str, tuple[str, ...]] = {
    "order_brushing": (
        "受害人{channel}，对方称可在家兼职刷单赚取佣金，先做小额任务返利成功后，"
        "对方以“连单未完成需继续充值才能提现”为由，诱导受害人分{n}次向对方账户转账共计{yuan}元，"
        "后无法提现，发现被骗。",
        "受害人{channel}，被拉入{platform}“点赞关注”任务群，按对方指引下载APP做任务，"
        "前期小额返利后被要求垫付大额任务款，共转账{n}次{yuan}元，对方失联。",
    ),
    "fake_investment": (
        "受害人{channel}，对方自称投资导师，推荐其在某理财平台投资，称有内幕消息稳赚不赔。"
        "受害人先小额投资获利，后陆续{n}次转账共计{yuan}元，平台无法提现，对方将其拉黑。",
        "受害人在{platform}结识一名网友，对方以带其投资数字货币为名，诱导其在指定APP充值，"
        "共计转账{n}次{yuan}元，后平台以缴纳保证金为由拒绝提现，发现被骗。",
    ),
    "fake_loan": (
        "受害人{channel}，对方称可提供低息无抵押贷款，受害人下载对方提供的贷款APP申请后，"
        "对方以“银行卡号填错账户被冻结”“需缴纳保证金解冻”为由，诱导其{n}次转账共计{yuan}元，"
        "贷款始终未到账。",
    ),
    "fake_customer_service": (
        "受害人{channel}，对方自称某电商平台客服，称其订单异常需办理退款，"
        "按对方指引开启屏幕共享并向对方账户转账{n}次共计{yuan}元，后发现被骗。",
        "受害人{channel}，对方自称快递公司客服，称其快递丢失需理赔，诱导其下载会议软件，"
        "以“信用分不足需刷流水”为由让其转账{n}次共{yuan}元。",
    ),
    "impersonate_police": (
        "受害人{channel}，对方自称公安民警，称其身份信息涉嫌洗钱案件，需将资金转入“安全账户”"
        "配合调查，并出示伪造的通缉令，受害人按要求{n}次转账共计{yuan}元。",
        "受害人{channel}，对方冒充检察院工作人员，称其银行卡涉嫌违法需资金清查，"
        "诱导其转账{n}次共计{yuan}元至指定账户。",
    ),
    "fake_credit_repair": (
        "受害人{channel}，对方自称某金融平台客服，称其大学期间开通的校园贷未注销会影响个人征信，"
        "需将资金转入指定账户进行“征信修复”，受害人{n}次转账共计{yuan}元。",
    ),
    "fake_shopping": (
        "受害人在{platform}看到低价出售商品的信息，与卖家私下联系，对方要求绕开平台直接转账，"
        "受害人{n}次付款共计{yuan}元后，对方未发货并将其拉黑。",
    ),
    "impersonate_boss": (
        "受害人被拉入一个{platform}工作群，对方冒充其单位领导，称急需向合作方转账，"
        "受害人未核实身份，{n}次转账共计{yuan}元至对方指定账户。",
        "受害人{channel}，对方冒充其熟人称有急事借钱，受害人向对方账户转账{n}次共{yuan}元，"
        "后与熟人核实发现被骗。",
    ),
    "game_trade": (
        "受害人在{platform}看到有人低价出售游戏账号装备，按对方提供的链接在虚假交易平台付款，"
        "后被以“账户冻结需解冻”为由继续转账，共{n}次{yuan}元。",
    ),
    "romance": (
        "受害人在{platform}结识一名自称成功人士的网友，确立恋爱关系后，对方推荐其在某平台投资，"
        "受害人陆续{n}次转账共计{yuan}元，后平台无法提现，对方失联。",
    ),
    "other": (
        "受害人{channel}，对方以中奖领取奖品需缴纳手续费为由，诱导其{n}次转账共计{yuan}元。",
        "受害人{channel}，对方以办理业务需缴费为由，诱导其向指定账户转账{n}次共{yuan}元。",
    ),
}


def narrative(
    rng: np.random.Generator, fraud_type: str, channel: str, payments: int, loss_fen: int
) -> str:
    """One report narrative for an episode as the victim tells it."""
    options = TEMPLATES.get(fraud_type, TEMPLATES["other"])
    text = options[int(rng.integers(0, len(options)))]
    yuan = loss_fen / 100
    return text.format(
        channel=CHANNEL_WORDS.get(channel, CHANNEL_WORDS["call"]),
        n=max(payments, 1),
        yuan=f"{yuan:,.0f}" if yuan == int(yuan) else f"{yuan:,.2f}",
        platform=PLATFORM_WORDS[int(rng.integers(0, len(PLATFORM_WORDS)))],
    )
