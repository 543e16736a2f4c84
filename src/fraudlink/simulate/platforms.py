"""Internet platforms: accounts bound to mobile numbers, and the catalogue of URLs and apps."""

from __future__ import annotations

import numpy as np

from fraudlink.simulate.accounts import adults
from fraudlink.simulate.institutions import inst_index
from fraudlink.simulate.world import US_PER_DAY, World

PLATFORMS = ("WX", "DY", "QQ", "XY")
LEGIT_SITES = (
    "taobao.com",
    "jd.com",
    "pinduoduo.com",
    "meituan.com",
    "ctrip.com",
    "12306.cn",
    "baidu.com",
    "qq.com",
    "163.com",
    "sina.com.cn",
    "gxnews.com.cn",
    "nanning.gov.cn",
    "bilibili.com",
    "zhihu.com",
    "douyin.com",
    "xiaohongshu.com",
    "icbc.com.cn",
    "ccb.com",
    "chsi.com.cn",
    "gov.cn",
)
LEGIT_APPS = (
    ("com.tencent.mm", "微信"),
    ("com.eg.android.alipaygphone", "支付宝"),
    ("com.taobao.taobao", "淘宝"),
    ("com.jingdong.app.mall", "京东"),
    ("com.xunmeng.pinduoduo", "拼多多"),
    ("com.ss.android.ugc.aweme", "抖音"),
    ("com.sankuai.meituan", "美团"),
    ("com.icbc", "中国工商银行"),
    ("com.chinamworld.main", "建设银行"),
    ("com.taobao.idlefish", "闲鱼"),
    ("com.tencent.qqlive", "腾讯视频"),
    ("cn.gov.fzapp", "国家反诈中心"),
)


def social_ids(rng: np.random.Generator, platform: np.ndarray, offset: int) -> np.ndarray:
    """Platform account ids such as wx_k3f9a2b7."""
    n = len(platform)
    if n == 0:
        return np.zeros(0, dtype="U20")
    alphabet = np.array(list("abcdefghijkmnpqrstuvwxyz23456789"))
    body = alphabet[rng.integers(0, len(alphabet), (n, 8))]
    tail = np.char.zfill((np.arange(n) + offset).astype(str), 7)
    joined = _join_fast(body)
    return np.char.add(np.char.add(np.char.add(np.char.lower(platform), "_"), joined), tail)


def _join_fast(chars: np.ndarray) -> np.ndarray:
    """Join rows of single characters into strings without a Python loop."""
    b = chars.astype("S1")
    return (
        np.ascontiguousarray(b).view(f"S{chars.shape[1]}").reshape(-1).astype(f"U{chars.shape[1]}")
    )


def make_platform_accounts(world: World) -> None:
    """Platform accounts of adults, bound to their main number, registered from their phone."""
    cfg = world.cfg
    rng = world.rng("platform-accounts")
    p = world.entity("persons")
    holders = adults(world)
    holders = holders[p["sim"][holders] >= 0]
    k = rng.poisson(cfg.accounts.platform_accounts_per_person, len(holders))
    owner = np.repeat(holders, k)
    plat = np.array(PLATFORMS)[rng.integers(0, len(PLATFORMS), len(owner))]
    add_platform_accounts(
        world,
        plat,
        p["sim"][owner],
        world.start_us - rng.integers(1, 2000, len(owner)) * US_PER_DAY,
        p["device"][owner],
        p["home_ip"][owner],
        "ordinary",
    )


def add_platform_accounts(
    world: World,
    platform: np.ndarray,
    sim: np.ndarray,
    registered_us: np.ndarray,
    device: np.ndarray,
    ip: np.ndarray,
    stream: str,
) -> np.ndarray:
    """Register platform accounts; return their indices."""
    acc = world.entity("platform_accounts")
    rng = world.rng(f"platform:{stream}")
    inst = np.array([inst_index(world, x) for x in PLATFORMS], dtype=np.int16)
    pidx = (
        np.searchsorted(np.array(PLATFORMS), platform) if len(platform) else np.zeros(0, np.int64)
    )
    order = np.argsort(np.array(PLATFORMS))
    return acc.add(
        social_id=social_ids(rng, platform, len(acc)),
        inst=inst[order[pidx]] if len(platform) else np.zeros(0, np.int16),
        sim=np.asarray(sim, dtype=np.int32),
        registered_us=np.asarray(registered_us, dtype=np.int64),
        device=np.asarray(device, dtype=np.int32),
        ip=np.asarray(ip, dtype=np.int32),
    )


def make_catalogue(world: World) -> None:
    """Legitimate URLs and apps that ordinary people visit and install."""
    rng = world.rng("catalogue")
    paths = ("/", "/index.html", "/login", "/item", "/news", "/pay", "/help")
    sites = np.repeat(np.array(LEGIT_SITES), len(paths))
    path = np.tile(np.array(paths), len(LEGIT_SITES))
    add_urls(
        world,
        sites,
        path,
        world.start_us - rng.integers(2000, 8000, len(sites)) * US_PER_DAY,
        fraud=False,
    )
    add_apps(
        world,
        np.array([a[0] for a in LEGIT_APPS]),
        np.array([a[1] for a in LEGIT_APPS]),
        world.start_us - rng.integers(500, 3000, len(LEGIT_APPS)) * US_PER_DAY,
        fraud=False,
    )


def add_urls(
    world: World, domain: np.ndarray, path: np.ndarray, registered_us: np.ndarray, fraud: bool
) -> np.ndarray:
    """Add URLs on their domains; return their indices."""
    n = len(domain)
    return world.entity("urls").add(
        url=np.char.add(np.char.add("https://", domain), path),
        domain=domain,
        domain_registered_us=np.asarray(registered_us, dtype=np.int64),
        fraud=np.full(n, fraud),
    )


def add_apps(
    world: World, app_id: np.ndarray, name: np.ndarray, first_seen_us: np.ndarray, fraud: bool
) -> np.ndarray:
    """Add apps; return their indices."""
    return world.entity("apps").add(
        app_id=app_id,
        name=name,
        first_seen_us=np.asarray(first_seen_us, dtype=np.int64),
        fraud=np.full(len(app_id), fraud),
    )
