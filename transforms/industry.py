"""GB/T 4754-2017 《国民经济行业分类》: the 20 sections (门类) and 97 divisions (大类).

An industry code as zones write it is a division's two digits, optionally followed by the group
(中类) and class (小类) digits and optionally preceded by the section letter: "66", "662",
"6621", "J6621". The finance and real-estate exclusion of clause (十二) is decided on the
division, so a code that resolves to no division (a section letter alone, a name, an unknown
division, a letter that contradicts the digits) must stop the case, never pass as "not finance".
Group and class digits are not checked against the standard's lists: the division is what the
rules read.
"""

from __future__ import annotations

import re
import unicodedata

# section letter -> (first division, last division, section name); divisions are numbered
# 01-97 without gaps across the sections, in this order.
SECTIONS: dict[str, tuple[int, int, str]] = {
    "A": (1, 5, "农、林、牧、渔业"),
    "B": (6, 12, "采矿业"),
    "C": (13, 43, "制造业"),
    "D": (44, 46, "电力、热力、燃气及水生产和供应业"),
    "E": (47, 50, "建筑业"),
    "F": (51, 52, "批发和零售业"),
    "G": (53, 60, "交通运输、仓储和邮政业"),
    "H": (61, 62, "住宿和餐饮业"),
    "I": (63, 65, "信息传输、软件和信息技术服务业"),
    "J": (66, 69, "金融业"),
    "K": (70, 70, "房地产业"),
    "L": (71, 72, "租赁和商务服务业"),
    "M": (73, 75, "科学研究和技术服务业"),
    "N": (76, 79, "水利、环境和公共设施管理业"),
    "O": (80, 82, "居民服务、修理和其他服务业"),
    "P": (83, 83, "教育"),
    "Q": (84, 85, "卫生和社会工作"),
    "R": (86, 90, "文化、体育和娱乐业"),
    "S": (91, 96, "公共管理、社会保障和社会组织"),
    "T": (97, 97, "国际组织"),
}

DIVISIONS: dict[str, str] = {
    "01": "农业", "02": "林业", "03": "畜牧业", "04": "渔业",
    "05": "农、林、牧、渔专业及辅助性活动",
    "06": "煤炭开采和洗选业", "07": "石油和天然气开采业", "08": "黑色金属矿采选业",
    "09": "有色金属矿采选业", "10": "非金属矿采选业", "11": "开采专业及辅助性活动",
    "12": "其他采矿业",
    "13": "农副食品加工业", "14": "食品制造业", "15": "酒、饮料和精制茶制造业",
    "16": "烟草制品业", "17": "纺织业", "18": "纺织服装、服饰业",
    "19": "皮革、毛皮、羽毛及其制品和制鞋业", "20": "木材加工和木、竹、藤、棕、草制品业",
    "21": "家具制造业", "22": "造纸和纸制品业", "23": "印刷和记录媒介复制业",
    "24": "文教、工美、体育和娱乐用品制造业", "25": "石油、煤炭及其他燃料加工业",
    "26": "化学原料和化学制品制造业", "27": "医药制造业", "28": "化学纤维制造业",
    "29": "橡胶和塑料制品业", "30": "非金属矿物制品业", "31": "黑色金属冶炼和压延加工业",
    "32": "有色金属冶炼和压延加工业", "33": "金属制品业", "34": "通用设备制造业",
    "35": "专用设备制造业", "36": "汽车制造业",
    "37": "铁路、船舶、航空航天和其他运输设备制造业", "38": "电气机械和器材制造业",
    "39": "计算机、通信和其他电子设备制造业", "40": "仪器仪表制造业", "41": "其他制造业",
    "42": "废弃资源综合利用业", "43": "金属制品、机械和设备修理业",
    "44": "电力、热力生产和供应业", "45": "燃气生产和供应业", "46": "水的生产和供应业",
    "47": "房屋建筑业", "48": "土木工程建筑业", "49": "建筑安装业",
    "50": "建筑装饰、装修和其他建筑业",
    "51": "批发业", "52": "零售业",
    "53": "铁路运输业", "54": "道路运输业", "55": "水上运输业", "56": "航空运输业",
    "57": "管道运输业", "58": "多式联运和运输代理业", "59": "装卸搬运和仓储业", "60": "邮政业",
    "61": "住宿业", "62": "餐饮业",
    "63": "电信、广播电视和卫星传输服务", "64": "互联网和相关服务", "65": "软件和信息技术服务业",
    "66": "货币金融服务", "67": "资本市场服务", "68": "保险业", "69": "其他金融业",
    "70": "房地产业",
    "71": "租赁业", "72": "商务服务业",
    "73": "研究和试验发展", "74": "专业技术服务业", "75": "科技推广和应用服务业",
    "76": "水利管理业", "77": "生态保护和环境治理业", "78": "公共设施管理业", "79": "土地管理业",
    "80": "居民服务业", "81": "机动车、电子产品和日用产品修理业", "82": "其他服务业",
    "83": "教育",
    "84": "卫生", "85": "社会工作",
    "86": "新闻和出版业", "87": "广播、电视、电影和录音制作业", "88": "文化艺术业", "89": "体育",
    "90": "娱乐业",
    "91": "中国共产党机关", "92": "国家机构", "93": "人民政协、民主党派", "94": "社会保障",
    "95": "群众团体、社会团体和其他成员组织", "96": "基层群众自治组织及其他组织",
    "97": "国际组织",
}

SECTION_OF: dict[str, str] = {
    f"{d:02d}": letter for letter, (first, last, _) in SECTIONS.items()
    for d in range(first, last + 1)
}


def _section_pattern(letter: str, first: int, last: int) -> str:
    divisions = "|".join(f"{d:02d}" for d in range(first, last + 1))
    return f"{letter}?(?:{divisions})"


# The whole code, case-insensitive: an optional section letter that must be the division's own,
# the division, then at most the group and class digits. Built from the table above, so the
# validation rule (expectations/) and the reward rule read codes the same way.
CODE_PATTERN = "(?i)^(?:" + "|".join(
    _section_pattern(letter, first, last) for letter, (first, last, _) in SECTIONS.items()
) + r")[0-9]{0,2}$"
_CODE_RE = re.compile(CODE_PATTERN)


def industry_division(code: str | None) -> str | None:
    """The GB/T 4754-2017 division (大类, two digits) of an industry code, or None when the code
    names none: '6621' -> '66', 'J6621' -> '66', 'c3670' -> '36'; 'K', '房地产', '98', 'J3670'
    (a finance letter on manufacturing digits) and '' -> None.

    Full-width characters and surrounding spaces are folded as ingest folds them."""
    if code is None:
        return None
    text = unicodedata.normalize("NFKC", code).strip()
    if not _CODE_RE.match(text):
        return None
    digits = text.lstrip("ABCDEFGHIJKLMNOPQRSTabcdefghijklmnopqrst")
    return digits[:2]


def division_label(division: str) -> str:
    """'66' -> 'J 金融业 / 66 货币金融服务', for explanations."""
    section = SECTION_OF[division]
    return f"{section} {SECTIONS[section][2]} / {division} {DIVISIONS[division]}"
