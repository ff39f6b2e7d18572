"""The methods appendix: the policy's targets, the scoring method and the rewards' clauses in plain
Chinese, read from the configs of this run."""

from __future__ import annotations

from typing import Any

from flows.reporting.tables import clause_short
from transforms.formatting import fmt_pct, percent, plain
from transforms.policy import PolicyConfig
from transforms.results import Results
from transforms.rewards import RULE_LABELS

KIND_WORDS = {
    "cagr": "按年均增长判定：当年值 ≥ {base} 年值 ×（1 + 目标增速）^（年数），“以上”含本数",
    "city_share": "按占所在设区市比重判定：园区当年值 ≥ 设区市当年值 × 目标比重",
    "growth_since_base": "按较 {base} 年累计增长判定；{target} 年前按时间进度折算目标",
    "rank_gain": "按国家级考核排名较 {base} 年提升位次判定；{target} 年前按时间进度折算目标",
}

NORMALISER_WORDS = {
    "efficacy": "功效系数法：指标得分 = 60 + 40 ×（本园区数值 − 最小值）/（最大值 − 最小值），"
                "越低越好的指标反向计算；全体数值相同时得 100 分；缺失数据记 60 分",
    "minmax": "极差标准化法：指标得分 = 100 ×（本园区数值 − 最小值）/（最大值 − 最小值），"
              "越低越好的指标反向计算；全体数值相同时得 100 分；缺失数据记 0 分",
}


def methodology_block(results: Results, policy: PolicyConfig) -> dict[str, Any]:
    """The rules in plain Chinese, read from the policy and methodology configs of this run."""
    base, target_year = policy.base_year, policy.target_year
    targets = [
        {"label": t.label,
         # exact, as the policy states it: a rounded threshold (12.5% as 13%) misstates the rule
         "threshold": (f"{plain(t.threshold)} 位" if t.kind == "rank_gain"
                       else percent(t.threshold)),
         "rule": KIND_WORDS[t.kind].format(base=base, target=target_year),
         "clause": clause_short(t.clause)}
        for t in policy.zone_targets
    ]
    method = results.methodology
    scoring: dict[str, Any] = {}
    if method is not None:
        scoring = {
            "title": method.title,
            "version": method.version,
            "normaliser": NORMALISER_WORDS.get(method.normaliser, method.normaliser),
            "categories": [
                {"label": c.label, "weight": fmt_pct(float(c.weight), 0),
                 "indicators": "、".join(i.label for i in c.indicators)}
                for c in method.categories
            ],
        }
    r = policy.rewards

    def since(section: str) -> str:
        """A section whose effective year is not the default one says its own."""
        year = r.effective_year_of(section)
        return "" if year == r.effective_year else f"（自 {year} 年度起施行）"

    rewards = [
        {"label": RULE_LABELS["supplier_introduction"] + since("supplier_introduction"),
         "clause": r.supplier_introduction.clause},
        {"label": RULE_LABELS["fdi_project"] + since("fdi_project"),
         "clause": r.fdi_project.clause},
        {"label": "国家级考核排名相关奖励" + since("ranking"), "clause": r.ranking.clause},
        {"label": RULE_LABELS["investment_ambassador"] + since("investment_ambassador"),
         "clause": r.investment_ambassador.clause},
        {"label": "科研人员现金奖励计税" + since("researcher_cash_reward"),
         "clause": r.researcher_cash_reward.clause},
    ]
    supervision = [policy.supervision.clause_ranking, policy.supervision.clause_investment]
    if policy.supervision.early_warning_after_years_last and policy.supervision.clause_early_warning:
        supervision.append(policy.supervision.clause_early_warning)
    return {"policy_title": policy.title, "policy_version": policy.version,
            "base_year": base, "target_year": target_year, "targets": targets,
            "scoring": scoring, "rewards": rewards, "supervision": supervision,
            "effective_year": r.effective_year}
