"""Handsets, SIM boxes and IP addresses: the shared keys that tie accounts to people."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fraudlink.model.enums import DEVICE_KINDS, IP_KINDS
from fraudlink.model.identifiers._vector import affine_serials, make_ipv4, make_luhn_numbers
from fraudlink.simulate.world import World

# (model, type allocation code) of common handsets and of multi-SIM gateways.
PHONE_MODELS = (
    ("HUAWEI Mate 60", "86718406"),
    ("HUAWEI nova 12", "86089305"),
    ("Xiaomi 14", "86297806"),
    ("Redmi Note 13", "86844205"),
    ("OPPO Reno11", "86591707"),
    ("vivo X100", "86137907"),
    ("iPhone 15", "35386311"),
    ("iPhone 13", "35407115"),
    ("HONOR 90", "86880006"),
    ("OnePlus 12", "86298606"),
    ("realme GT5", "86753206"),
    ("Lenovo PC", "35925406"),
)
GATEWAY_MODELS = (("GoIP-32", "86275204"), ("SK-16 Gateway", "86901503"), ("Redmi 9A", "86652904"))

DEVICE_CODE = {k: i for i, k in enumerate(DEVICE_KINDS)}
IP_CODE = {k: i for i, k in enumerate(IP_KINDS)}


def add_devices(
    world: World, n: int, kind: str, first_seen_us: npt.NDArray[np.int64], stream: str
) -> npt.NDArray[np.int64]:
    """Create n devices of one kind (phone, sim_box, pc); return their indices."""
    rng = world.rng(f"devices:{stream}")
    devices = world.entity("devices")
    models = GATEWAY_MODELS if kind == "sim_box" else PHONE_MODELS
    pick = rng.integers(0, len(models), n)
    tac = np.array([m[1] for m in models])[pick]
    serial = np.zeros(n, dtype=np.int64)
    for code in np.unique(tac):
        m = tac == code
        # One bijection per type allocation code, continued across calls by a counter, so no
        # two devices of the same model ever share a serial.
        used = world.notes.get(f"imei:{code}", 0)
        serial[m] = affine_serials(int(m.sum()), 10**6, world.rng(f"imei-serials:{code}"), used)
        world.notes[f"imei:{code}"] = used + int(m.sum())
    imei = make_luhn_numbers(tac, serial, 15) if n else np.zeros(0, "U15")
    return devices.add(
        imei=imei,
        model=np.array([m[0] for m in models])[pick],
        first_seen_us=np.asarray(first_seen_us, dtype=np.int64),
        kind=np.full(n, DEVICE_CODE[kind], np.int8),
    )


def add_ips(
    world: World, n: int, kind: str, district: npt.NDArray[np.str_] | None, stream: str
) -> npt.NDArray[np.int64]:
    """Create n IP addresses of one allocation kind; return their indices."""
    ips = world.entity("ips")
    base = {
        "mobile_nat": 0x6F000000,
        "broadband": 0x71000000,
        "datacenter": 0x2F000000,
        "overseas_proxy": 0x67000000,
    }[kind]
    # One bijection per allocation kind, continued across calls, so addresses never repeat.
    used = world.notes.get(f"ips:{kind}", 0)
    host = affine_serials(n, 2**24, world.rng(f"ips:{kind}"), used)
    world.notes[f"ips:{kind}"] = used + n
    return ips.add(
        ip=make_ipv4(base + host) if n else np.zeros(0, "U15"),
        kind=np.full(n, IP_CODE[kind], np.int8),
        district=district if district is not None else np.full(n, "", "U6"),
    )
