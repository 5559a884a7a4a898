"""Copilot features and how each source format names them (METRICS.md section 2)."""

from __future__ import annotations

#: Canonical features in the order of METRICS.md section 2; new features sort after them.
CANONICAL = (
    "cli",
    "code_completion",
    "code_review",
    "dotcom_chat",
    "inline_chat",
    "knowledge_base_chat",
    "mobile_chat",
    "panel_chat",
    "pull_request_summary",
    "agent",
)

ENGAGEMENT_SUFFIX = "_engagement"

#: Seed-format columns that are not named `<feature>_engagement`; several columns of one row
#: that map to the same feature are OR-ed.
SEED_ALIASES = {
    "code_completions_engagement": "code_completion",
    "docs_chat_engagement": "knowledge_base_chat",
    "ios_chat_engagement": "mobile_chat",
    "android_chat_engagement": "mobile_chat",
    "diff_chat_engagement": "pull_request_summary",
}

#: Usage-metrics (`users-1-day`) fields to features. Each rule is one of
#:   {"flag": FIELD}: engaged when the row's boolean FIELD is true;
#:   {"feature": NAME | "feature_prefix": PREFIX, "count": FIELD, "min": N}: engaged when an
#:   entry of `totals_by_feature` whose `feature` is NAME (or starts with PREFIX) has FIELD >= N.
#: Overridable as `usage_metrics.features` in the configuration.
USAGE_METRICS_DEFAULT = {
    "cli": {"flag": "used_cli"},
    "code_completion": {"feature": "code_completion", "count": "code_acceptance_activity_count",
                        "min": 1},
    "code_review": {"flag": "used_copilot_code_review_active"},
    "inline_chat": {"feature": "chat_inline", "count": "user_initiated_interaction_count",
                    "min": 1},
    "panel_chat": {"feature_prefix": "chat_panel_", "count": "user_initiated_interaction_count",
                   "min": 1},
    "agent": {"flag": "used_agent"},
}


def seed_feature(column: str) -> str | None:
    """The feature a seed-format column reports, or None for a column that is not one."""
    alias = SEED_ALIASES.get(column)
    if alias:
        return alias
    if column.endswith(ENGAGEMENT_SUFFIX) and len(column) > len(ENGAGEMENT_SUFFIX):
        return column[: -len(ENGAGEMENT_SUFFIX)]
    return None


def feature_order(names) -> list[str]:
    """Features in report order: the canonical table first, new ones alphabetically after."""
    rank = {name: i for i, name in enumerate(CANONICAL)}
    return sorted(names, key=lambda n: (rank.get(n, len(CANONICAL)), n))


#: How people call each feature, in what people read.
TITLES = {
    "cli": "Copilot CLI",
    "code_completion": "Code completion",
    "code_review": "Code review",
    "dotcom_chat": "Chat on GitHub.com",
    "inline_chat": "Inline chat",
    "knowledge_base_chat": "Knowledge base chat",
    "mobile_chat": "Mobile chat",
    "panel_chat": "Chat panel",
    "pull_request_summary": "Pull request summaries",
    "agent": "Agent mode",
}


def title(feature: str) -> str:
    """A feature's name for people; a new feature's is made from its canonical name."""
    return TITLES.get(feature) or feature.replace("_", " ").capitalize()
