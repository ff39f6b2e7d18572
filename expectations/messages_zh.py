"""Every Chinese word the validation layer shows data staff, in one place.

Like pointblank's translation table: the suites (expectations/suites.py) refer to a check kind,
and the text for it lives here, so wording is reviewed and changed without touching a rule.
Placeholders: {label} the column's Chinese header without unit, {header} with it, {unit} the unit
data staff type, {smaller_unit} / {larger_unit} the units 10^4 smaller / larger, {dataset} the
dataset's Chinese name, {file} the expected file name, {keys} the key columns' labels joined with
"+", {other} the other column's label in a two-column rule; configured rules add their bounds
({range}, {band}), {reference} and the unit {advice}.
"""

from __future__ import annotations

# check kind -> (message: what is wrong, hint: how to fix it)
TEXTS: dict[str, tuple[str, str]] = {
    "required": (
        "{label}为必填项，该行为空。",
        "请在该行补填{label}。",
    ),
    "key_unique": (
        "{keys}重复：同一{keys}只能填报一行。",
        "请删除重复的行，或更正其中一行的{keys}。",
    ),
    "unique": (
        "{label}重复：每个{label}只能出现一次。",
        "请删除重复的行，或更正其中一行的{label}。",
    ),
    "zone_id_format": (
        "园区代码格式不正确：只能由字母、数字、“-”或“_”组成，以字母或数字开头，长度为2至32个字符。",
        "请删除空格、中文和其他符号，按园区名录统一的园区代码填写。",
    ),
    "zone_id_reserved_name": (
        "园区代码是 Windows 保留的设备名（CON、PRN、AUX、NUL、COM0～COM9、LPT0～LPT9，"
        "不分大小写），以它命名的报告文件在 Windows 电脑和共享盘上无法打开。",
        "请换一个园区代码，如在前面加上设区市简称（NN-CON），并在所有数据文件中统一修改。",
    ),
    "zone_id_case_unique": (
        "园区代码只有大小写与另一园区不同，报告文件在 Windows 电脑和共享盘上会互相覆盖。",
        "请让每个园区代码在不分大小写时也互不相同（如 NN-01 与 nn-01 只能保留一个），"
        "并在所有数据文件中统一修改。",
    ),
    "non_negative": (
        "{label}不能为负数。",
        "请核对该数值，应大于或等于0（单位：{unit}）。",
    ),
    "positive": (
        "{label}必须大于0。",
        "请核对该数值，应大于0（单位：{unit}）；没有发生额的记录请删除整行。",
    ),
    "year_range": (
        "{label}应在2000年至2100年之间。",
        "请填写四位数字的年份，例如2024。",
    ),
    "at_least_one": (
        "{label}应为不小于1的整数。",
        "请按国家级经开区考核结果通报填写{label}。",
    ),
    "usd_cny_range": (
        "美元兑人民币年平均汇率应大于1且小于20。",
        "请填写1美元折合人民币的元数（例如7.1），不要填写百分比、倒数或以100美元计的牌价。",
    ),
    "not_above_other": (
        "{label}不能大于{other}。",
        "请核对{label}与{other}，前者是后者的一部分。",
    ),
    "rank_within_total": (
        "{label}大于同年{other}。",
        "请按考核结果通报核对{label}和{other}。",
    ),
    "differs_from_other": (
        "{label}与{other}相同：被引进企业应是另一家企业。",
        "请对照营业执照核对两家企业的统一社会信用代码。",
    ),
    "zone_registered": (
        "园区代码不在园区名录中。",
        "请核对园区代码是否与园区名录一致；新园区请先在园区名录中补充。",
    ),
    "ranked_total_consistent": (
        "同一年度各行的{label}不一致。",
        "同一年度的{label}应相同，请按考核结果通报统一更正。",
    ),
    "uscc_check_digit": (
        "{label}无效：应为18位，只含数字和大写字母（不含I、O、S、V、Z），"
        "且校验位符合GB 32100-2015。",
        "请对照营业执照或国家企业信用信息公示系统逐位核对，注意数字0与字母O、数字1与字母I。",
    ),
    "exchange_rate_available": (
        "该年度在汇率表中没有美元兑人民币年平均汇率，无法折算外资金额。",
        "请在汇率表（exchange_rates）中补充该年度的年平均汇率。",
    ),
    "city_covers_zones": (
        "设区市{label}小于辖内各园区{label}之和。",
        "请核对设区市与园区数据的年份、口径和单位（{unit}）；园区所属设区市以园区名录为准。",
    ),
    "base_year_present": (
        "该国家级园区在2019年前已获批准，但园区年度统计中没有2019年的数据（基期）。",
        "请在园区年度统计（zone_stats）中补充该园区2019年的数据，以便计算增长率。",
    ),
    "unit_jump": (
        "{label}约为上年的1万倍或万分之一，疑似单位填错。",
        "若约为上年的1万倍：本年很可能把以{smaller_unit}计的数填进了“{unit}”栏，请除以10000后重填；"
        "若约为上年的万分之一：很可能是上年按{smaller_unit}填报，请核对并更正上年数据。",
    ),
    "yoy_band": (
        "{label}比上年变化超出合理范围（{band}）。",
        "请核对本年与上年的{label}（单位：{unit}）是否填错行、错年份或漏位；"
        "数据确实如此的，请在报送说明中注明原因。",
    ),
    "zone_history.national_after_regional": (
        "升格为国家级经开区的日期不晚于认定为自治区级经开区的日期。",
        "请按批准文件核对两个日期：应先认定为自治区级，后升格为国家级；从未是自治区级的，"
        "请清空“认定为自治区级经开区日期”。",
    ),
    "zone_history.national_level": (
        "已填写“批准（升格）为国家级经开区日期”，但级别不是国家级。",
        "级别填写园区现在的级别：已升格的填“国家级”；未升格的请清空该日期。",
    ),
    "zone_history.exit_status": (
        "已填写退出日期，但状态不是“已退出”。",
        "已退出的园区，状态填“已退出”；尚未退出的请清空退出日期。",
    ),
    "zone_history.exit_dated": (
        "该园区状态为“已退出”，但未填写退出日期：各年度考核都不计入该园区，"
        "包括退出前它参加过的年度。",
        "请按退出文件填写退出日期，退出前各年度即按当年情况计入排名和自治区级经开区数量。",
    ),
    "zone_history.exit_after_start": (
        "退出日期早于该园区的批准（认定）日期。",
        "请按批准文件和退出文件核对两个日期。",
    ),
    "zone_history.approved_matches": (
        "批准（认定）日期与现级别的日期不一致：国家级园区应等于“批准（升格）为国家级经开区日期”，"
        "自治区级园区应等于“认定为自治区级经开区日期”。",
        "请按批准文件核对后使两者一致，或清空批准（认定）日期（以分列的日期为准）。",
    ),
    "zone_history.upgrade_dated": (
        "该国家级园区填写了认定为自治区级的日期，但没有升格为国家级的日期：无法确定它哪一年起按国家级考核。",
        "请填写“批准（升格）为国家级经开区日期”。",
    ),
    "leading_industry_matches": (
        "项目标为“属于园区主导产业”，但其国民经济行业代码不属于园区名录登记的主导产业。",
        "请核对项目的行业代码和该标记；主导产业以园区名录（zones）“主导产业”为准，"
        "确属主导产业方向的请在报送说明中写明依据。",
    ),
    "not_claimed_under_both": (
        "同一企业（{label}）同年既作为被引进企业申报条款（二）引进供应商奖励，"
        "又申报条款（十二）外资项目奖励：同类奖励政策不叠加享受，只按一项计发。",
        "请与申报单位确认该企业只享受哪一项奖励，撤回另一项申报；未撤回的，"
        "按政策参数 no_stacking_keep 的规定只计发一项。",
    ),
    "zone_id_not_a_name": (
        "园区代码一栏填写的是园区名称，不是园区代码。",
        "请改填园区名录中该园区的代码（见“值”一栏括号内）。",
    ),
    "industry_division": (
        "{label}无法对应到《国民经济行业分类》（GB/T 4754-2017）的行业大类，无法确定所属行业。",
        "请按 GB/T 4754-2017 填写行业代码，至少到大类两位数字（如 3670，门类字母可写可不写，"
        "如 C3670）；只填门类字母（如“K”）、填行业名称或不存在的大类（如 98）都无法判断行业，"
        "外资项目也就无法判断是否属于金融业、房地产业。",
    ),
    "within_range": (
        "{label}超出该项可能的数值范围（{range}），不可能是真实数据。",
        "请按表头“{header}”核对该数值的位数和单位，是否多填了零或填进了其他栏的数{advice}。",
    ),
    "case_band": (
        "{label}超出单个案例的合理范围（{band}），疑似单位填错（相差约1万倍）。",
        "请按表头“{header}”核对：{advice}。数额确实如此的，请联系自治区商务厅核实。",
    ),
    "zone_within_city": (
        "园区{label}高于所在设区市的全市{label}。",
        "园区数值不可能超过全市：请核对本行的年份和单位（表头为“{header}”，是否按{smaller_unit}填报）；"
        "本行无误的，请核对设区市年度统计中该市该年的数据。",
    ),
    "ratio_band": (
        "{label}与{reference}之比超出合理范围（{band}），很可能单位填错（相差约1万倍）。",
        "请核对该栏各年份的单位（表头为“{header}”）：{advice}。数据确实如此的，请联系自治区商务厅核实。",
    ),
    "dataset_missing": (
        "缺少必需的数据文件：{dataset}。",
        "请提交 {file}（CSV 或 Excel 均可），表头可用中文或英文列名。",
    ),
    "check_error": (
        "该项校验未能执行，数据可能存在本系统无法识别的格式问题。",
        "请将此条提示转给技术人员处理。",
    ),
}

# Words used when composing labels and values.
KEY_JOINER = "+"
# value text of a two-column rule: the cell, then the other cell it was compared with
VALUE_WITH_OTHER = "{value}（{other_label}：{other_value}）"
# Value texts of the cross rules that compare a cell with another figure, by kind: a city total
# beside the sum of its zones, this year's value beside the previous year's.
DETAIL_TEXTS = {
    "city_covers_zones": "{value}（园区合计：{compared}）",
    "zone_within_city": "{value}（{compared_label}：{compared}）",
    "ratio_band": "{value}（{compared_label}：{compared}）",
    "zone_id_not_a_name": "{value}（园区名录中的园区代码：{compared}）",
    "unit_jump": "{value}（{compared_year}年：{compared}）",
    "yoy_band": "{value}（{compared_year}年：{compared}）",
}
# Pieces of the unit advice in the value rules' hints, by which neighbour unit exists, joined
# with ADVICE_JOINER (a range's hint puts the joiner in front too).
UNIT_ADVICE_SMALLER = "数值约为实际的1万倍时，多半是按{smaller_unit}填报，请除以10000后重填"
UNIT_ADVICE_LARGER = "数值约为实际的万分之一时，多半是按{larger_unit}填报，请乘以10000后重填"
ADVICE_JOINER = "；"
# How bounds read in messages: both ends, or one.
BOUNDS_BOTH = "{low}～{high}{unit}"
BOUNDS_LOW = "不小于 {low}{unit}"
BOUNDS_HIGH = "不大于 {high}{unit}"
RATIO_UNIT = " 倍"
# The reference of a ratio band on a city figure: 所在设区市地区生产总值.
CITY_REFERENCE = "所在设区市{label}"
