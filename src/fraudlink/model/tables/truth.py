"""Ground truth: written by the simulator apart from the feeds; only the arena reads it."""

from fraudlink.model import enums
from fraudlink.model.schema import Column as C
from fraudlink.model.schema import Table

person_roles = Table(
    "person_roles",
    "truth",
    "The role of every person in the city.",
    source="simulator",
    key=("idno",),
    columns=(
        C("idno", "string", "Person.", identifier="idno"),
        C("role", "string", "Main role.", enum=enums.PERSON_ROLES),
        C("gang_id", "int32", "Fraud gang the person works for.", required=False),
        C("ring_id", "int32", "Card-trafficking ring the person belongs to.", required=False),
    ),
)

account_roles = Table(
    "account_roles",
    "truth",
    "The role of every bank and payment account.",
    source="simulator",
    key=("account",),
    columns=(
        C("account", "string", "Account number.", identifier="card"),
        C("role", "string", "Role.", enum=enums.ACCOUNT_ROLES),
        C("gang_id", "int32", "Gang that uses the account.", required=False),
        C("ring_id", "int32", "Ring that trafficked the account.", required=False),
        C("sold_at", "timestamp", "When the holder sold the account kit.", required=False),
    ),
)

sim_roles = Table(
    "sim_roles",
    "truth",
    "The role of every SIM card.",
    source="simulator",
    key=("msisdn",),
    columns=(
        C("msisdn", "string", "Mobile number.", identifier="mobile"),
        C("role", "string", "Role.", enum=enums.SIM_ROLES),
        C("gang_id", "int32", "Gang that uses the card.", required=False),
        C("ring_id", "int32", "Ring that trafficked the card.", required=False),
    ),
)

staff_roles = Table(
    "staff_roles",
    "truth",
    "Which members of staff are insiders (内鬼) opening cards for a ring.",
    source="simulator",
    key=("staff_id",),
    columns=(
        C("staff_id", "string", "Staff member."),
        C("outlet_id", "string", "Outlet."),
        C("is_insider", "bool", "Opens cards in bulk for a ring."),
        C("ring_id", "int32", "Ring served.", required=False),
    ),
)

gangs = Table(
    "gangs",
    "truth",
    "Fraud gangs: what they run, where their den is, which ring supplies their cards.",
    source="simulator",
    key=("gang_id",),
    columns=(
        C("gang_id", "int32", "Gang."),
        C("fraud_type", "string", "Main fraud type.", enum=tuple(enums.FRAUD_TYPES)),
        C("den_id", "int32", "Den the gang works from."),
        C("ring_id", "int32", "Ring that supplies its cards."),
        C("members", "int32", "Number of members."),
    ),
)

rings = Table(
    "rings",
    "truth",
    "Card-trafficking rings: a dealer (卡商), the sellers (卡农) and insiders feeding them.",
    source="simulator",
    key=("ring_id",),
    columns=(
        C("ring_id", "int32", "Ring."),
        C("dealer_idno", "string", "The dealer at its centre.", identifier="idno"),
        C("den_id", "int32", "Where the dealer stores kits."),
        C("sellers", "int32", "Number of card sellers."),
        C("accounts", "int32", "Number of bank accounts trafficked."),
        C("sims", "int32", "Number of SIM cards trafficked."),
    ),
)

dens = Table(
    "dens",
    "truth",
    "Dens (窝点): premises of gangs and rings.",
    source="simulator",
    key=("den_id",),
    columns=(
        C("den_id", "int32", "Den."),
        C("district", "string", "District code."),
        C("lat", "float64", "Latitude."),
        C("lon", "float64", "Longitude."),
        C("cell_id", "string", "Cell that covers the den."),
    ),
)

episodes = Table(
    "episodes",
    "truth",
    "Fraud episodes: one victim deceived by one gang, from first contact to last payment.",
    source="simulator",
    key=("episode_id",),
    columns=(
        C("episode_id", "int32", "Episode."),
        C("gang_id", "int32", "Gang."),
        C("victim_idno", "string", "Victim.", identifier="idno"),
        C("fraud_type", "string", "Fraud type.", enum=tuple(enums.FRAUD_TYPES)),
        C("contact_channel", "string", "First contact by.", enum=enums.CONTACT_CHANNELS),
        C("fraud_msisdn", "string", "Number that made first contact.", identifier="phone"),
        C("first_contact_at", "timestamp", "First contact (UTC)."),
        C("first_payment_at", "timestamp", "First payment (UTC)."),
        C("last_payment_at", "timestamp", "Last payment (UTC)."),
        C("payments", "int16", "Number of payments."),
        C("loss_fen", "int64", "Total paid.", unit="fen"),
        C("report_id", "string", "Report, if the victim reported.", required=False),
    ),
)

pending_episodes = Table(
    "pending_episodes",
    "truth",
    "Episodes still in grooming when the period ends: contacted, first payment planned after it.",
    source="simulator",
    key=("pending_id",),
    columns=(
        C("pending_id", "int32", "Pending episode, from 0 in order of first contact."),
        C("gang_id", "int32", "Gang."),
        C(
            "target_idno",
            "string",
            "Person being groomed; their person role stays `ordinary`.",
            identifier="idno",
        ),
        C("fraud_type", "string", "Fraud type.", enum=tuple(enums.FRAUD_TYPES)),
        C("contact_channel", "string", "First contact by.", enum=enums.CONTACT_CHANNELS),
        C("fraud_msisdn", "string", "Number that made first contact.", identifier="phone"),
        C("first_contact_at", "timestamp", "First contact (UTC)."),
        C(
            "planned_first_payment_at",
            "timestamp",
            "First payment as planned, after the period's end (UTC).",
        ),
    ),
)

fraud_payments = Table(
    "fraud_payments",
    "truth",
    "Which transactions are victims' payments to fraudsters, and their episode.",
    source="simulator",
    key=("txn_id",),
    columns=(
        C("txn_id", "int64", "Transaction."),
        C("episode_id", "int32", "Episode."),
        C("seq", "int16", "Payment number within the episode, from 1."),
    ),
)

money_path = Table(
    "money_path",
    "truth",
    "Every episode's money, hop by hop (FIFO attribution inside each account).",
    source="simulator",
    key=("episode_id", "txn_id"),
    columns=(
        C("episode_id", "int32", "Episode."),
        C("txn_id", "int64", "Transaction carrying some of the episode's money."),
        C("hop", "int16", "1 for the victim's payment, then 2, 3, ..."),
        C("time", "timestamp", "When (UTC)."),
        C("from_account", "string", "Paying account.", identifier="card"),
        C(
            "to_account",
            "string",
            "Receiving account, empty on cash-out.",
            required=False,
            identifier="card",
        ),
        C("amount_fen", "int64", "The episode's share of the transaction.", unit="fen"),
        C("channel", "string", "Channel.", enum=enums.TRANSACTION_CHANNELS),
    ),
)

fraud_contacts = Table(
    "fraud_contacts",
    "truth",
    "Calls, SMS and web events that belong to a fraud episode or to a gang's dialling.",
    source="simulator",
    key=("table", "record_id"),
    columns=(
        C("table", "string", "calls or web_events.", enum=("calls", "web_events")),
        C("record_id", "int64", "call_id or event_id."),
        C("gang_id", "int32", "Gang."),
        C("episode_id", "int32", "Episode, when the contact reached a victim.", required=False),
    ),
)

TRUTH_TABLES = (
    person_roles,
    account_roles,
    sim_roles,
    staff_roles,
    gangs,
    rings,
    dens,
    episodes,
    pending_episodes,
    fraud_payments,
    money_path,
    fraud_contacts,
)
