"""Alliance members, their outlets (bank branches, telecom shops) and the staff who open cards."""

from __future__ import annotations

import numpy as np

from fraudlink.model.enums import OCCUPATIONS
from fraudlink.simulate.names import DISTRICT_NAMES
from fraudlink.simulate.world import World, mix_keys, sample_mix

# (inst_id, name, kind, issued prefixes, card length). BINs are the issuers' real debit BINs.
INSTITUTIONS: tuple[tuple[str, str, str, tuple[str, ...], int], ...] = (
    ("ICBC", "中国工商银行", "bank", ("622202", "621226"), 19),
    ("ABC", "中国农业银行", "bank", ("622848", "623052"), 19),
    ("BOC", "中国银行", "bank", ("621661", "621785"), 19),
    ("CCB", "中国建设银行", "bank", ("621700", "622700"), 19),
    ("BOCOM", "交通银行", "bank", ("622262", "622260"), 19),
    ("PSBC", "中国邮政储蓄银行", "bank", ("621799", "622188"), 19),
    ("CMB", "招商银行", "bank", ("622588", "621483"), 16),
    ("GXRCU", "广西农村信用社", "bank", ("623170", "621458"), 19),
    ("BGB", "广西北部湾银行", "bank", ("623242", "621327"), 19),
    ("ALIPAY", "支付宝（中国）网络技术有限公司", "payment", ("208800",), 16),
    ("TENPAY", "财付通支付科技有限公司", "payment", ("218800",), 16),
    ("CMCC", "中国移动", "operator", (), 0),
    ("CUCC", "中国联通", "operator", (), 0),
    ("CTCC", "中国电信", "operator", (), 0),
    ("VIRTUAL", "虚拟运营商", "operator", (), 0),
    ("WX", "微信", "platform", (), 0),
    ("DY", "抖音", "platform", (), 0),
    ("QQ", "腾讯QQ", "platform", (), 0),
    ("XY", "闲鱼", "platform", (), 0),
)


def inst_index(world: World, inst_id: str) -> int:
    """Row of an institution in the institutions table."""
    return int(np.flatnonzero(world.entity("institutions")["inst_id"] == inst_id)[0])


def make_institutions(world: World) -> None:
    """The alliance's members, with the prefixes they issue."""
    from fraudlink.model.identifiers.phone import PREFIXES_BY_OPERATOR

    prefixes = [
        ",".join(p) if p else ",".join(PREFIXES_BY_OPERATOR.get(i, ()))
        for i, _, _, p, _ in INSTITUTIONS
    ]
    world.entity("institutions").add(
        inst_id=np.array([i[0] for i in INSTITUTIONS]),
        name=np.array([i[1] for i in INSTITUTIONS]),
        kind=np.array([i[2] for i in INSTITUTIONS]),
        prefixes=np.array(prefixes),
        card_length=np.array([i[4] for i in INSTITUTIONS], dtype=np.int8),
    )


def make_outlets_and_staff(world: World) -> None:
    """Bank branches and telecom shops over the districts, each with its account-opening staff."""
    cfg = world.cfg
    rng = world.rng("outlets")
    scale = cfg.world.persons / 10_000
    districts = np.array(mix_keys(cfg.world.district_mix))
    rows: dict[str, list[np.ndarray]] = {"inst": [], "kind": [], "district": []}
    for kind, per_10k, mix in (
        ("bank_branch", cfg.institutions.branches_per_10k, cfg.institutions.bank_mix),
        ("telecom_shop", cfg.institutions.shops_per_10k, cfg.institutions.operator_mix),
    ):
        insts = mix_keys(mix)
        # Every institution gets a branch or shop in every district, and more where people are.
        n_extra = max(0, round(per_10k * scale) - len(insts) * len(districts))
        inst_names = np.concatenate(
            [np.repeat(insts, len(districts)), np.array(insts)[sample_mix(rng, mix, n_extra)]]
        )
        dist = np.concatenate(
            [
                np.tile(districts, len(insts)),
                districts[sample_mix(rng, cfg.world.district_mix, n_extra)],
            ]
        )
        rows["inst"].append(np.array([inst_index(world, i) for i in inst_names], dtype=np.int16))
        rows["kind"].append(np.full(len(inst_names), kind))
        rows["district"].append(dist)
    inst = np.concatenate(rows["inst"])
    kinds = np.concatenate(rows["kind"])
    district = np.concatenate(rows["district"])
    n = len(inst)
    inst_ids = world.entity("institutions")["inst_id"][inst]
    outlet_id = np.char.add(
        np.char.add(inst_ids, "-"), np.char.zfill(np.arange(1, n + 1).astype(str), 5)
    )
    dname = np.array([DISTRICT_NAMES.get(d, d) for d in district])
    suffix = np.where(kinds == "bank_branch", "支行", "营业厅")
    inst_label = world.entity("institutions")["name"][inst]
    name = np.char.add(
        np.char.add(inst_label, dname), np.char.add(np.arange(1, n + 1).astype(str), suffix)
    )
    world.entity("outlets").add(
        outlet_id=outlet_id, inst=inst, kind=kinds, district=district, name=name
    )
    _make_staff(world, rng)


def _make_staff(world: World, rng: np.random.Generator) -> None:
    outlets = world.entity("outlets")
    persons = world.entity("persons")
    k = world.cfg.institutions.staff_per_outlet
    n = len(outlets) * k
    employees = np.flatnonzero(persons["occupation"] == OCCUPATIONS.index("employee"))
    person = rng.choice(employees, size=min(n, len(employees)), replace=False)
    outlet = np.repeat(np.arange(len(outlets)), k)[: len(person)]
    staff_id = np.char.add("S", np.char.zfill(np.arange(1, len(person) + 1).astype(str), 6))
    world.entity("staff").add(
        staff_id=staff_id,
        outlet=outlet.astype(np.int32),
        person=person.astype(np.int32),
        insider_ring=np.full(len(person), -1, np.int32),
    )


def make_terminals(world: World) -> None:
    """ATMs and POS terminals in every district, and the OTC desks where crypto is bought."""
    cfg = world.cfg
    rng = world.rng("terminals")
    districts = np.array(mix_keys(cfg.world.district_mix))
    scale = cfg.world.persons / 10_000
    rows: list[tuple[str, str, int]] = [
        ("ATM", "atm", max(2, round(6 * scale))),
        ("POS", "pos", max(4, round(30 * scale))),
        ("OTC", "otc", max(2, round(0.5 * scale))),
    ]
    ids, kinds, dists = [], [], []
    for tag, kind, n in rows:
        d = districts[sample_mix(rng, cfg.world.district_mix, n)]
        ids.append(
            np.char.add(
                np.char.add(np.char.add(tag + "-", d), "-"),
                np.char.zfill(np.arange(1, n + 1).astype(str), 5),
            )
        )
        kinds.append(np.full(n, kind))
        dists.append(d)
    world.entity("terminals").add(
        terminal_id=np.concatenate(ids), kind=np.concatenate(kinds), district=np.concatenate(dists)
    )
