"""A gang's numbers and sites: SIM boxes (猫池) of bulk-registered cards, virtual numbers,
platform accounts to groom victims on, fraud sites and apps."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fraudlink.simulate.accounts import _opening_desk, add_sims
from fraudlink.simulate.crime.common import (
    APPS_PER_GANG,
    BULK_INSIDER_SHARE,
    DOMAINS_PER_GANG,
    PLATFORM_ACCOUNTS_PER_GANG,
    SIM_ROLE,
    TYPE_NAMES,
    business_hour_times,
    china_day,
)
from fraudlink.simulate.crime.kits import operator_prefixes, sim_owners
from fraudlink.simulate.crime.state import Crime
from fraudlink.simulate.devices import add_devices
from fraudlink.simulate.institutions import inst_index
from fraudlink.simulate.platforms import add_apps, add_platform_accounts, add_urls
from fraudlink.simulate.world import US_PER_DAY, World, mix_keys, sample_mix

IntArray = npt.NDArray[np.int64]

# Words fraud sites and apps are named after, and the apps' displayed names, per fraud type.


SITE_WORDS = {
    "order_brushing": ("shuadan", "renwu", "fanli"),
    "fake_investment": ("licai", "touzi", "huijin"),
    "fake_loan": ("daikuan", "kuaidai", "jiekuan"),
    "fake_customer_service": ("kefu", "tuikuan"),
    "impersonate_police": ("ajcx", "qingcha"),
    "fake_credit_repair": ("zhengxin", "xinyong"),
    "fake_shopping": ("tejia", "shangcheng"),
    "impersonate_boss": ("bangong", "oa"),
    "game_trade": ("youxi", "zhuangbei"),
    "romance": ("jiaoyou", "yuanfen"),
    "other": ("fuli", "huodong"),
}


APP_NAMES = {
    "order_brushing": ("任务赚", "点赞宝"),
    "fake_investment": ("鑫盛国际", "汇金理财"),
    "fake_loan": ("速贷宝", "闪借钱包"),
    "fake_customer_service": ("云会议助手", "极速退款"),
    "impersonate_police": ("安全防护", "案件清查"),
    "fake_credit_repair": ("征信修复", "信用管家"),
    "fake_shopping": ("特价商城", "低价好物"),
    "impersonate_boss": ("企业办公", "云办公"),
    "game_trade": ("游戏交易猫", "装备宝"),
    "romance": ("缘来交友", "同城心动"),
    "other": ("福利中心", "领奖助手"),
}


TLDS = ("com", "cc", "top", "vip", "xyz", "net")


LETTERS = np.array(list("abcdefghijkmnpqrstuvwxyz"))


def make_numbers(world: World, st: Crime, rng: np.random.Generator) -> None:
    """SIM boxes with bulk-registered cards, virtual numbers, platform accounts, sites and apps."""
    _sim_boxes(world, st, rng)
    _virtual_numbers(world, st, rng)
    _platform_accounts(world, st, rng)
    _sites_and_apps(world, st, rng)


def _split(rows: npt.ArrayLike, owner_gang: IntArray, n: int) -> list[IntArray]:
    r = np.asarray(rows, np.int64)
    return [r[owner_gang == i] for i in range(n)]


def _sim_boxes(world: World, st: Crime, rng: np.random.Generator) -> None:
    """Each gang's SIM boxes, full of cards bulk-registered in its ring's sellers' names,
    mostly through the ring's insider shop when it has one."""
    m = world.cfg.market
    g = st.gangs
    n = len(g)
    nb, per = m.sim_boxes_per_gang, m.sims_per_sim_box
    if not n or nb == 0 or per == 0:
        g.boxes = [np.zeros(0, np.int64) for _ in range(n)]
        g.box_sims = [np.zeros(0, np.int64) for _ in range(n)]
        return
    first = world.start_us - rng.integers(5, 40, n * nb) * US_PER_DAY
    boxes = add_devices(world, n * nb, "sim_box", first, "crime-boxes").astype(np.int64)
    box_gang = np.repeat(np.arange(n), nb)
    g.boxes = _split(boxes, box_gang, n)
    owners, box_of = [], []
    for i in range(n):
        o = sim_owners(world, st, rng, int(g.ring[i]), nb * per)
        owners.append(o)
        box_of.append(np.repeat(g.boxes[i], per)[: len(o)])
    owner = np.concatenate(owners)
    box = np.concatenate(box_of)
    k = len(owner)
    at = np.searchsorted(boxes, box)
    gang = box_gang[at]
    registered = business_hour_times(rng, china_day(first[at]) + rng.integers(0, 2, k))
    ops = mix_keys(world.cfg.institutions.operator_mix)
    inst = np.array([inst_index(world, o) for o in ops], np.int64)[
        sample_mix(rng, world.cfg.institutions.operator_mix, k)
    ]
    p = world.entity("persons")
    outlet, staff = _opening_desk(
        world, rng, inst.astype(np.int16), p["district"][owner], "telecom_shop"
    )
    staff_t = world.entity("staff")
    outlets = world.entity("outlets")
    shop_insider = np.full(len(st.rings), -1, np.int64)
    for r in range(len(st.rings)):
        for s in st.rings.insiders[r]:
            if outlets["kind"][staff_t["outlet"][s]] == "telecom_shop" and shop_insider[r] < 0:
                shop_insider[r] = s
    ins = shop_insider[g.ring[gang]]
    via = (ins >= 0) & (rng.random(k) < BULK_INSIDER_SHARE)
    ins_outlet = staff_t["outlet"][ins[via]]
    inst[via] = outlets["inst"][ins_outlet]
    outlet[via] = ins_outlet
    staff[via] = ins[via]
    sims = add_sims(
        world,
        operator_prefixes(world, rng, inst),
        owner,
        inst,
        registered,
        outlet,
        staff,
        box,
        np.full(k, SIM_ROLE["sim_box"], np.int8),
        "crime-boxes",
        gang=gang,
        ring=g.ring[gang],
    )
    g.box_sims = _split(sims, gang, n)


def _virtual_numbers(world: World, st: Crime, rng: np.random.Generator) -> None:
    """Enough virtual numbers per gang that they carry about `virtual_number_share` of its
    contacts, registered online in its ring's sellers' names."""
    share = world.cfg.market.virtual_number_share
    g = st.gangs
    n = len(g)
    owners, gangs = [], []
    for i in range(n):
        boxed = len(g.box_sims[i])
        if share <= 0 and boxed:
            continue
        k = 4 if share >= 1 or not boxed else max(1, round(boxed * share / (1 - share)))
        o = sim_owners(world, st, rng, int(g.ring[i]), k)
        owners.append(o)
        gangs.append(np.full(len(o), i, np.int64))
    owner = np.concatenate(owners) if owners else np.zeros(0, np.int64)
    gang = np.concatenate(gangs) if gangs else np.zeros(0, np.int64)
    k = len(owner)
    inst = np.full(k, inst_index(world, "VIRTUAL"), np.int64)
    device = np.array([g.phones[i][rng.integers(0, len(g.phones[i]))] for i in gang], np.int64)
    registered = world.start_us - rng.integers(3 * US_PER_DAY, 30 * US_PER_DAY, k)
    sims = add_sims(
        world,
        operator_prefixes(world, rng, inst),
        owner,
        inst,
        registered,
        np.full(k, -1),
        np.full(k, -1),
        device,
        np.full(k, SIM_ROLE["fraud_caller"], np.int8),
        "crime-virtual",
        gang=gang,
        ring=g.ring[gang],
    )
    g.virtual_sims = _split(sims, gang, n)


def _platform_accounts(world: World, st: Crime, rng: np.random.Generator) -> None:
    g = st.gangs
    n = len(g)
    k = PLATFORM_ACCOUNTS_PER_GANG
    plat = np.array(["WX", "QQ", "DY"])[np.arange(n * k) % 3]
    sim, dev = np.empty(n * k, np.int64), np.empty(n * k, np.int64)
    for i in range(n):
        nums = np.r_[g.virtual_sims[i], g.box_sims[i]]
        sim[i * k : (i + 1) * k] = nums[np.arange(k) % len(nums)]
        dev[i * k : (i + 1) * k] = g.phones[i][np.arange(k) % len(g.phones[i])]
    if not n * k:
        g.platform = [np.zeros(0, np.int64) for _ in range(n)]
        return
    reg = world.start_us - rng.integers(1 * US_PER_DAY, 60 * US_PER_DAY, n * k)
    rows = add_platform_accounts(world, plat, sim, reg, dev, np.repeat(g.ip, k), "crime-gangs")
    g.platform = np.split(np.asarray(rows, np.int64), np.arange(k, n * k, k))


def _sites_and_apps(world: World, st: Crime, rng: np.random.Generator) -> None:
    g = st.gangs
    n = len(g)
    if not n:
        g.urls, g.apps = [], []
        return
    domains, paths, reg, app_ids, app_names, app_seen = [], [], [], [], [], []
    for i in range(n):
        t = TYPE_NAMES[int(g.fraud_type[i])]
        words = SITE_WORDS.get(t, SITE_WORDS["other"])
        for j in range(DOMAINS_PER_GANG):
            tail = "".join(LETTERS[rng.integers(0, len(LETTERS), 4)])
            domain = f"{words[j % len(words)]}{tail}{i}{j}.{TLDS[int(rng.integers(0, len(TLDS)))]}"
            code = "".join(LETTERS[rng.integers(0, len(LETTERS), 6)])
            for path in ("/login", f"/invite?code={code}"):
                domains.append(domain)
                paths.append(path)
            reg.append(world.start_us - int(rng.integers(2, 90)) * US_PER_DAY)
            reg.append(reg[-1])
        names = APP_NAMES.get(t, APP_NAMES["other"])
        for j in range(APPS_PER_GANG):
            tail = "".join(LETTERS[rng.integers(0, len(LETTERS), 3)])
            app_ids.append(f"com.{words[j % len(words)]}{tail}.g{i}a{j}")
            app_names.append(names[j % len(names)])
            app_seen.append(world.start_us - int(rng.integers(1, 60)) * US_PER_DAY)
    urls = add_urls(
        world,
        np.array(domains, dtype=str),
        np.array(paths, dtype=str),
        np.array(reg, np.int64),
        fraud=True,
    )
    apps = add_apps(
        world,
        np.array(app_ids, dtype=str),
        np.array(app_names, dtype=str),
        np.array(app_seen, np.int64),
        fraud=True,
    )
    per_url = DOMAINS_PER_GANG * 2
    g.urls = [np.asarray(urls[i * per_url : (i + 1) * per_url], np.int64) for i in range(n)]
    g.apps = [
        np.asarray(apps[i * APPS_PER_GANG : (i + 1) * APPS_PER_GANG], np.int64) for i in range(n)
    ]
