"""How each feed and truth table is built from the world's columns (see `output.py`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from fraudlink.model import enums
from fraudlink.model.schema import Table
from fraudlink.model.tables import FEED_TABLES, TRUTH
from fraudlink.simulate.output import Resolver, code, date32, nullable_str, ref, ts

Columns = dict[str, Any]
NO_TIME = -(2**62)


def persons(r: Resolver) -> Columns:
    p = r.e("persons")
    return {
        "idno": r.s("persons", "idno"),
        "name": r.s("persons", "name"),
        "sex": p["sex"],
        "birth_date": date32(p["birth_days"]),
        "district": p["district"],
        "occupation": code(enums.OCCUPATIONS, p["occupation"]),
    }


def institutions(r: Resolver) -> Columns:
    i = r.e("institutions")
    return {
        "inst_id": i["inst_id"],
        "name": i["name"],
        "kind": i["kind"],
        "prefixes": nullable_str(i["prefixes"]),
    }


def outlets(r: Resolver) -> Columns:
    o = r.e("outlets")
    return {
        "outlet_id": o["outlet_id"],
        "inst_id": ref(r.s("institutions", "inst_id"), o["inst"]),
        "kind": o["kind"],
        "district": o["district"],
        "name": o["name"],
    }


def staff(r: Resolver) -> Columns:
    s = r.e("staff")
    return {
        "staff_id": s["staff_id"],
        "outlet_id": ref(r.s("outlets", "outlet_id"), s["outlet"]),
        "idno": ref(r.s("persons", "idno"), s["person"]),
        "name": ref(r.s("persons", "name"), s["person"]),
    }


def bank_accounts(r: Resolver) -> Columns:
    a = r.e("accounts")
    return {
        "account": r.s("accounts", "number"),
        "inst_id": ref(r.s("institutions", "inst_id"), a["inst"]),
        "account_class": a["klass"],
        "holder_kind": np.where(a["corporate"], "corporate", "personal"),
        "owner_idno": ref(r.s("persons", "idno"), a["owner"]),
        "owner_name": a["owner_name"],
        "phone": ref(r.s("sims", "msisdn"), a["phone"]),
        "opened_at": ts(a["opened_us"]),
        "outlet_id": ref(r.s("outlets", "outlet_id"), a["outlet"]),
        "staff_id": ref(r.s("staff", "staff_id"), a["staff"]),
        "device_imei": ref(r.s("devices", "imei"), a["device"]),
        "ip": ref(r.s("ips", "ip"), a["ip"]),
    }


def sim_cards(r: Resolver) -> Columns:
    s = r.e("sims")
    return {
        "msisdn": r.s("sims", "msisdn"),
        "inst_id": ref(r.s("institutions", "inst_id"), s["inst"]),
        "owner_idno": ref(r.s("persons", "idno"), s["owner"]),
        "registered_at": ts(s["registered_us"]),
        "outlet_id": ref(r.s("outlets", "outlet_id"), s["outlet"]),
        "staff_id": ref(r.s("staff", "staff_id"), s["staff"]),
        "device_imei": ref(r.s("devices", "imei"), s["device"]),
    }


def devices(r: Resolver) -> Columns:
    d = r.e("devices")
    return {
        "imei": r.s("devices", "imei"),
        "model": d["model"],
        "first_seen": ts(d["first_seen_us"]),
    }


def ip_addresses(r: Resolver) -> Columns:
    i = r.e("ips")
    return {
        "ip": r.s("ips", "ip"),
        "kind": code(enums.IP_KINDS, i["kind"]),
        "district": nullable_str(i["district"]),
    }


def urls(r: Resolver) -> Columns:
    u = r.e("urls")
    return {
        "url": u["url"],
        "domain": u["domain"],
        "domain_registered_at": ts(u["domain_registered_us"]),
    }


def apps(r: Resolver) -> Columns:
    a = r.e("apps")
    return {"app_id": a["app_id"], "name": a["name"], "first_seen": ts(a["first_seen_us"])}


def platform_accounts(r: Resolver) -> Columns:
    a = r.e("platform_accounts")
    return {
        "social_id": r.s("platform_accounts", "social_id"),
        "inst_id": ref(r.s("institutions", "inst_id"), a["inst"]),
        "msisdn": ref(r.s("sims", "msisdn"), a["sim"]),
        "registered_at": ts(a["registered_us"]),
        "device_imei": ref(r.s("devices", "imei"), a["device"]),
        "ip": ref(r.s("ips", "ip"), a["ip"]),
    }


def transactions(r: Resolver) -> Columns:
    log = r.w.log("transactions")
    t = log.finish()
    n = len(t.get("time", ()))
    return {
        "txn_id": np.arange(1, n + 1, dtype=np.int64),
        "time": ts(t["time"]) if n else pa.array([], pa.timestamp("us", tz="UTC")),
        "from_account": ref(r.s("accounts", "number"), t["from_acc"])
        if n
        else pa.array([], pa.string()),
        "to_account": ref(r.s("accounts", "number"), t["to_acc"])
        if n
        else pa.array([], pa.string()),
        "amount_fen": t.get("amount", np.zeros(0, np.int64)),
        "channel": code(enums.TRANSACTION_CHANNELS, t["channel"])
        if n
        else pa.array([], pa.string()),
        "terminal": ref(r.s("terminals", "terminal_id"), t["terminal"])
        if n
        else pa.array([], pa.string()),
    }


def calls(r: Resolver) -> Columns:
    t = r.w.log("calls").finish()
    n = len(t.get("time", ()))
    msisdn = r.s("sims", "msisdn")
    return {
        "call_id": np.arange(1, n + 1, dtype=np.int64),
        "time": ts(t["time"]),
        "caller": ref(msisdn, t["caller"]),
        "callee": ref(msisdn, t["callee"]),
        "kind": code(enums.CALL_KINDS, t["kind"]),
        "duration_s": t["duration_s"],
        "cell_id": ref(r.s("cells", "cell_id"), t["cell"]),
    }


def logins(r: Resolver) -> Columns:
    t = r.w.log("logins").finish()
    n = len(t.get("time", ()))
    bank = t["account_kind"] == 0
    bank_ids = ref(r.s("accounts", "number"), np.where(bank, t["account"], -1))
    plat_ids = ref(r.s("platform_accounts", "social_id"), np.where(bank, -1, t["account"]))
    return {
        "login_id": np.arange(1, n + 1, dtype=np.int64),
        "time": ts(t["time"]),
        "account": pa.compute.coalesce(bank_ids, plat_ids),
        "account_kind": code(("bank", "platform"), t["account_kind"]),
        "device_imei": ref(r.s("devices", "imei"), t["device"]),
        "ip": ref(r.s("ips", "ip"), t["ip"]),
    }


def web_events(r: Resolver) -> Columns:
    t = r.w.log("web_events").finish()
    n = len(t.get("time", ()))
    return {
        "event_id": np.arange(1, n + 1, dtype=np.int64),
        "time": ts(t["time"]),
        "msisdn": ref(r.s("sims", "msisdn"), t["sim"]),
        "kind": code(enums.WEB_EVENT_KINDS, t["kind"]),
        "url": ref(r.s("urls", "url"), t["url"]),
        "app_id": ref(r.s("apps", "app_id"), t["app"]),
    }


def _given(table: Table, cols: Mapping[str, np.ndarray]) -> Columns:
    """A small table the generators built with the feed's own columns (times in microseconds)."""
    n = len(next(iter(cols.values()))) if cols else 0
    order = (
        np.argsort(cols[table.time_column], kind="stable")
        if table.time_column and n
        else np.arange(n)
    )
    out: Columns = {}
    for c in table.columns:
        v = np.asarray(cols[c.name])[order] if n else np.zeros(0, dtype=object)
        if c.type == "timestamp":
            out[c.name] = ts(
                v.astype(np.int64) if len(v) else np.zeros(0, np.int64),
                null_below=NO_TIME + 1 if not c.required else None,
            )
        elif c.type == "string" and not c.required:
            out[c.name] = nullable_str(v.astype(str)) if len(v) else pa.array([], pa.string())
        elif c.type == "string":
            out[c.name] = pa.array(v.astype(str) if len(v) else [], pa.string())
        elif c.type.startswith("int") and not c.required:
            out[c.name] = (
                pa.array(v.astype(np.int64), mask=v < 0).cast(c.arrow_type)
                if len(v)
                else pa.array([], c.arrow_type)
            )
        else:
            out[c.name] = pa.array(v if len(v) else [], c.arrow_type)
    return out


def given_feed(name: str) -> Callable[[Resolver], Columns]:
    """Builder for a small feed kept with its own columns in `world.entities[name]`."""
    return lambda r: _given(FEED_TABLES[name], r.e(name).cols)


def given_truth(name: str, remap: dict[str, str] | None = None) -> Callable[[Resolver], Columns]:
    """Builder for a truth table; `remap` turns provisional event ids into published ids."""

    def build(r: Resolver) -> Columns:
        cols = r.w.truth_table(name)
        data = (
            {k: cols[k] for k in cols.cols}
            if len(cols)
            else {c: np.zeros(0, np.int64) for c in TRUTH[name].column_names}
        )
        for final, provisional in (remap or {}).items():
            if provisional in data:
                pid = data.pop(provisional)
                if name == "fraud_contacts":
                    data[final] = _remap_contacts(r, data["table"], pid)
                else:
                    data[final] = r.w.log("transactions").final_ids(pid) if len(pid) else pid
        return _given(TRUTH[name], data)

    return build


def _remap_contacts(r: Resolver, table: np.ndarray, pid: np.ndarray) -> np.ndarray:
    out = np.zeros(len(pid), dtype=np.int64)
    for name in ("calls", "web_events"):
        m = table == name
        if m.any():
            out[m] = r.w.log(name).final_ids(pid[m])
    return out


def person_roles(r: Resolver) -> Columns:
    p = r.e("persons")
    return {
        "idno": r.s("persons", "idno"),
        "role": code(enums.PERSON_ROLES, p["role"]),
        "gang_id": _opt(p["gang"]),
        "ring_id": _opt(p["ring"]),
    }


def account_roles(r: Resolver) -> Columns:
    a = r.e("accounts")
    return {
        "account": r.s("accounts", "number"),
        "role": code(enums.ACCOUNT_ROLES, a["role"]),
        "gang_id": _opt(a["gang"]),
        "ring_id": _opt(a["ring"]),
        "sold_at": ts(a["sold_us"], null_below=0),
    }


def sim_roles(r: Resolver) -> Columns:
    s = r.e("sims")
    return {
        "msisdn": r.s("sims", "msisdn"),
        "role": code(enums.SIM_ROLES, s["role"]),
        "gang_id": _opt(s["gang"]),
        "ring_id": _opt(s["ring"]),
    }


def staff_roles(r: Resolver) -> Columns:
    s = r.e("staff")
    return {
        "staff_id": s["staff_id"],
        "outlet_id": ref(r.s("outlets", "outlet_id"), s["outlet"]),
        "is_insider": s["insider_ring"] >= 0,
        "ring_id": _opt(s["insider_ring"]),
    }


def _opt(v: np.ndarray) -> pa.Array:
    v = np.asarray(v)
    return pa.array(v.astype(np.int32), mask=v < 0)


BUILDERS: dict[str, Callable[[Resolver], Columns]] = {
    "persons": persons,
    "institutions": institutions,
    "outlets": outlets,
    "staff": staff,
    "bank_accounts": bank_accounts,
    "sim_cards": sim_cards,
    "devices": devices,
    "ip_addresses": ip_addresses,
    "urls": urls,
    "apps": apps,
    "platform_accounts": platform_accounts,
    "transactions": transactions,
    "calls": calls,
    "logins": logins,
    "web_events": web_events,
    **{
        n: given_feed(n)
        for n in (
            "victim_reports",
            "report_payments",
            "report_indicators",
            "seized_evidence",
            "case_confirmations",
            "member_flags",
        )
    },
    "person_roles": person_roles,
    "account_roles": account_roles,
    "sim_roles": sim_roles,
    "staff_roles": staff_roles,
    **{n: given_truth(n) for n in ("gangs", "rings", "dens", "episodes", "pending_episodes")},
    "fraud_payments": given_truth("fraud_payments", {"txn_id": "txn_pid"}),
    "money_path": given_truth("money_path", {"txn_id": "txn_pid"}),
    "fraud_contacts": given_truth("fraud_contacts", {"record_id": "record_pid"}),
}
