"""Names of people, institutions and places for the synthetic city."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# The most common surnames with rough weights, so the name mix looks like a real city's.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜"
    "崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红梅鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳建华亮成"
    "佳琪子涵欣怡梓萱雨桐诗雅思淼晨曦文博志远嘉豪天佑宏伟春燕海燕丹丹晓东晓明德胜国庆建国立新小红小军婷婷"
)

DISTRICT_NAMES = {
    "450102": "兴宁区",
    "450103": "青秀区",
    "450105": "江南区",
    "450107": "西乡塘区",
    "450108": "良庆区",
    "450109": "邕宁区",
    "450110": "武鸣区",
    "450123": "隆安县",
    "450124": "马山县",
    "450125": "上林县",
    "450126": "宾阳县",
    "450181": "横州市",
}

# District centres (lat, lon), roughly where each lies around Nanning.
DISTRICT_CENTRES = {
    "450102": (22.86, 108.38),
    "450103": (22.81, 108.40),
    "450105": (22.78, 108.27),
    "450107": (22.85, 108.25),
    "450108": (22.70, 108.40),
    "450109": (22.76, 108.49),
    "450110": (23.16, 108.27),
    "450123": (23.17, 107.69),
    "450124": (23.71, 108.18),
    "450125": (23.43, 108.60),
    "450126": (23.22, 108.81),
    "450181": (22.68, 109.26),
}


def person_names(rng: np.random.Generator, n: int) -> npt.NDArray[np.str_]:
    """Chinese full names: a weighted common surname and one or two given characters."""
    sur = np.array(list(SURNAMES))
    given = np.array(list(GIVEN))
    w = 1.0 / np.arange(1, len(sur) + 1) ** 0.8
    s = sur[rng.choice(len(sur), n, p=w / w.sum())]
    g1 = given[rng.integers(0, len(given), n)]
    g2 = np.where(rng.random(n) < 0.7, given[rng.integers(0, len(given), n)], "")
    return np.char.add(np.char.add(s, g1), g2)


def company_names(
    rng: np.random.Generator,
    district: npt.NDArray[np.str_],
    kind: str,
) -> npt.NDArray[np.str_]:
    """Company names such as 南宁市青秀区鑫华商贸有限公司."""
    n = len(district)
    trade = {
        "merchant": "商贸",
        "small_business": "贸易",
        "employer": "科技",
        "utility": "公用事业",
    }
    given = np.array(list(GIVEN))
    a = given[rng.integers(0, len(given), n)]
    b = given[rng.integers(0, len(given), n)]
    dname = np.array([DISTRICT_NAMES.get(d, "") for d in district])
    return np.char.add(
        np.char.add(np.char.add("南宁市", dname), np.char.add(a, b)),
        trade.get(kind, "商贸") + "有限公司",
    )
