"""Closed vocabularies shared by the simulator, ingest and the analyses."""

from __future__ import annotations

# The fraud types of the national statistics (domain.md), with their Chinese names.
FRAUD_TYPES: dict[str, str] = {
    "order_brushing": "刷单返利",
    "fake_investment": "虚假网络投资理财",
    "fake_loan": "虚假网络贷款",
    "fake_customer_service": "冒充电商物流客服",
    "impersonate_police": "冒充公检法",
    "fake_credit_repair": "虚假征信",
    "fake_shopping": "虚假购物服务",
    "impersonate_boss": "冒充领导熟人",
    "game_trade": "网络游戏虚假交易",
    "romance": "网络婚恋交友",
    "other": "其他",
}

TRANSACTION_CHANNELS = ("transfer", "payment", "merchant", "atm_cash_out", "pos", "crypto")
CONTACT_CHANNELS = ("call", "sms", "app")
CALL_KINDS = ("call", "sms")
WEB_EVENT_KINDS = ("visit", "install")
INSTITUTION_KINDS = ("bank", "payment", "operator", "platform")
OUTLET_KINDS = ("bank_branch", "telecom_shop")
HOLDER_KINDS = ("personal", "corporate")
SEXES = ("M", "F")
OCCUPATIONS = (
    "employee",
    "worker",
    "farmer",
    "civil_servant",
    "self_employed",
    "merchant",
    "student",
    "retired",
    "unemployed",
    "delivery_rider",
    "call_centre_agent",
)
INDICATOR_KINDS = ("phone", "account", "idno", "imei", "ip", "url", "app", "social")
SEIZED_ITEM_KINDS = (
    "computer",
    "phone",
    "sim",
    "bank_card",
    "corporate_kit",
    "usb_key",
    "seal",
    "pos",
)
IP_KINDS = ("mobile_nat", "broadband", "datacenter", "overseas_proxy")
DEVICE_KINDS = ("phone", "sim_box", "pc")

# Roles in the ground truth; only the arena and evaluation read them.
PERSON_ROLES = (
    "ordinary",
    "victim",
    "card_seller",
    "card_dealer",
    "insider",
    "backer",
    "fraudster",
    "launderer",
    "cash_out_runner",
    "second_hand_seller",
)
ACCOUNT_ROLES = (
    "ordinary",
    "merchant",
    "small_business",
    "employer",
    "utility",
    "mule_l1",
    "mule_l2",
    "mule_l3",
    "innocent_seller",
)
SIM_ROLES = ("ordinary", "fraud_caller", "sim_box", "mule_kit", "call_centre", "delivery_rider")
