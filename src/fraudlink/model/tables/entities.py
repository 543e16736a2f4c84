"""Entity feeds: who and what exists, as registered with alliance members."""

from fraudlink.model import enums
from fraudlink.model.schema import Column as C
from fraudlink.model.schema import Table

persons = Table(
    "persons",
    "entity",
    "Residents as known to the household registry, used to match account and SIM holders.",
    source="police (household registry)",
    key=("idno",),
    columns=(
        C("idno", "string", "Resident ID number (GB 11643, 18 characters).", identifier="idno"),
        C("name", "string", "Full name in Chinese characters."),
        C("sex", "string", "Sex, consistent with the ID number.", enum=enums.SEXES),
        C("birth_date", "date", "Birth date, consistent with the ID number."),
        C("district", "string", "Six-digit administrative code of the household district."),
        C("occupation", "string", "Occupation.", enum=enums.OCCUPATIONS),
    ),
)

institutions = Table(
    "institutions",
    "entity",
    "Alliance members: banks, payment firms, telecom operators and internet platforms.",
    source="anti-fraud centre",
    key=("inst_id",),
    columns=(
        C("inst_id", "string", "Short institution code, e.g. ICBC, CMCC."),
        C("name", "string", "Institution name."),
        C("kind", "string", "What the member is.", enum=enums.INSTITUTION_KINDS),
        C(
            "prefixes",
            "string",
            "Comma-separated card BINs (banks, payment firms) or number "
            "prefixes (operators) that the institution issues.",
            required=False,
        ),
    ),
)

outlets = Table(
    "outlets",
    "entity",
    "Bank branches and telecom shops where accounts and SIM cards are opened.",
    source="banks and operators",
    key=("outlet_id",),
    columns=(
        C("outlet_id", "string", "Outlet code."),
        C("inst_id", "string", "Institution the outlet belongs to."),
        C("kind", "string", "Branch or shop.", enum=enums.OUTLET_KINDS),
        C("district", "string", "Six-digit administrative code of the outlet's district."),
        C("name", "string", "Outlet name."),
    ),
)

staff = Table(
    "staff",
    "entity",
    "Members of staff at outlets who open accounts and register SIM cards.",
    source="banks and operators",
    key=("staff_id",),
    columns=(
        C("staff_id", "string", "Staff number."),
        C("outlet_id", "string", "Outlet the staff member works at."),
        C("idno", "string", "Staff member's resident ID number.", identifier="idno"),
        C("name", "string", "Staff member's name."),
    ),
)

bank_accounts = Table(
    "bank_accounts",
    "entity",
    "Account openings at banks and payment firms (the account registration feed).",
    source="banks and payment firms",
    key=("account",),
    time_column="opened_at",
    columns=(
        C(
            "account",
            "string",
            "Card or account number (Luhn-valid, BIN of the issuer).",
            identifier="card",
        ),
        C("inst_id", "string", "Issuing bank or payment firm."),
        C("account_class", "int8", "Class I, II or III account (1, 2, 3)."),
        C("holder_kind", "string", "Personal or corporate.", enum=enums.HOLDER_KINDS),
        C(
            "owner_idno",
            "string",
            "Holder's ID number (legal representative for corporate).",
            identifier="idno",
        ),
        C("owner_name", "string", "Account name: the person's or the company's."),
        C(
            "phone",
            "string",
            "Reserved mobile number (预留手机号).",
            required=False,
            identifier="mobile",
        ),
        C("opened_at", "timestamp", "When the account was opened (UTC)."),
        C(
            "outlet_id",
            "string",
            "Branch that opened it; empty when opened online.",
            required=False,
        ),
        C(
            "staff_id",
            "string",
            "Staff member who opened it; empty when opened online.",
            required=False,
        ),
        C(
            "device_imei",
            "string",
            "Device used to open it online.",
            required=False,
            identifier="imei",
        ),
        C("ip", "string", "IP address the opening came from.", required=False, identifier="ip"),
    ),
)

sim_cards = Table(
    "sim_cards",
    "entity",
    "SIM card registrations at telecom operators (real-name registration feed).",
    source="telecom operators",
    key=("msisdn",),
    time_column="registered_at",
    columns=(
        C("msisdn", "string", "11-digit mobile number.", identifier="mobile"),
        C("inst_id", "string", "Operator."),
        C("owner_idno", "string", "Registered holder's ID number.", identifier="idno"),
        C("registered_at", "timestamp", "When the card was registered (UTC)."),
        C("outlet_id", "string", "Shop that registered it.", required=False),
        C("staff_id", "string", "Staff member who registered it.", required=False),
        C(
            "device_imei",
            "string",
            "Device the card was first seen in.",
            required=False,
            identifier="imei",
        ),
    ),
)

devices = Table(
    "devices",
    "entity",
    "Handsets, PCs and multi-SIM gateways seen on the networks.",
    source="telecom operators",
    key=("imei",),
    columns=(
        C("imei", "string", "15-digit IMEI with Luhn check digit.", identifier="imei"),
        C("model", "string", "Device model as reported by its type allocation code."),
        C("first_seen", "timestamp", "First time the device was seen (UTC)."),
    ),
)

ip_addresses = Table(
    "ip_addresses",
    "entity",
    "IP addresses with their allocation kind; carrier NAT addresses are shared by many.",
    source="telecom operators",
    key=("ip",),
    columns=(
        C("ip", "string", "IPv4 address.", identifier="ip"),
        C("kind", "string", "Allocation kind.", enum=enums.IP_KINDS),
        C("district", "string", "District served, when known.", required=False),
    ),
)

urls = Table(
    "urls",
    "entity",
    "Web addresses seen in traffic, with their domain registration date.",
    source="internet platforms",
    key=("url",),
    columns=(
        C("url", "string", "Normalised URL.", identifier="url"),
        C("domain", "string", "Registered domain of the URL.", identifier="domain"),
        C("domain_registered_at", "timestamp", "When the domain was registered (UTC)."),
    ),
)

apps = Table(
    "apps",
    "entity",
    "Mobile applications seen installed.",
    source="internet platforms",
    key=("app_id",),
    columns=(
        C("app_id", "string", "Application package id.", identifier="app"),
        C("name", "string", "Displayed application name."),
        C("first_seen", "timestamp", "First time the app was seen (UTC)."),
    ),
)

platform_accounts = Table(
    "platform_accounts",
    "entity",
    "Accounts registered at internet platforms (social, shopping, games).",
    source="internet platforms",
    key=("social_id",),
    time_column="registered_at",
    columns=(
        C(
            "social_id",
            "string",
            "Platform account id, prefixed by the platform.",
            identifier="social",
        ),
        C("inst_id", "string", "Platform."),
        C("msisdn", "string", "Mobile number bound to the account.", identifier="mobile"),
        C("registered_at", "timestamp", "When it was registered (UTC)."),
        C(
            "device_imei",
            "string",
            "Device of the registration.",
            required=False,
            identifier="imei",
        ),
        C("ip", "string", "IP address of the registration.", required=False, identifier="ip"),
    ),
)

ENTITY_TABLES = (
    persons,
    institutions,
    outlets,
    staff,
    bank_accounts,
    sim_cards,
    devices,
    ip_addresses,
    urls,
    apps,
    platform_accounts,
)
