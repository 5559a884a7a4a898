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


#: The depth share (METRICS.md section 9) that tells how many engaged people used a feature:
#: the `feature` value of `totals_by_feature` entries that stands for it (SOURCES.md section
#: 2), or None where no entry does. Agent mode is `chat_panel_agent_mode` alone: `agent_edit`
#: counts the lines that agent, edit and custom modes write into files, so it tells no mode
#: apart. GitHub lists the CLI and code review in no `totals_by_feature` entry (they come as
#: the flags `used_cli` and `used_copilot_code_review_*`, and `totals_by_cli`): how many use
#: them is engagement (feature adoption), and depth does not measure it.
DEPTH_SHARE_KEYS = {"agent": "chat_panel_agent_mode", "cli": None, "code_review": None}


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


def measured_on(days_measured: int, days_reported: int) -> str | None:
    """The flag of a feature measured on part of the reported days of a period (its source
    changed during it), wherever its figures appear; None when measured on all of them."""
    if days_measured >= days_reported:
        return None
    return f"measured on {days_measured} of {days_reported} reported days"


def title(feature: str) -> str:
    """A feature's name for people; a new feature's is made from its canonical name."""
    return TITLES.get(feature) or feature.replace("_", " ").capitalize()


_DOCS = "https://docs.github.com/en/copilot"
#: A one-line tip and GitHub's documentation for each feature, for people who have not tried
#: it; a new feature gets the overview of features.
HELP = {
    "cli": ("Ask Copilot for a shell command, or to explain one, without leaving the terminal.",
            f"{_DOCS}/concepts/agents/copilot-cli/about-copilot-cli"),
    "code_completion": ("Let Copilot finish the line or the function you are typing: press "
                        "Tab to accept.",
                        f"{_DOCS}/how-tos/get-code-suggestions/get-ide-code-suggestions"),
    "code_review": ("Request Copilot as a reviewer on a pull request for a first pass before "
                    "a colleague's.",
                    f"{_DOCS}/how-tos/use-copilot-agents/request-a-code-review/use-code-review"),
    "dotcom_chat": ("Ask Copilot about a repository, an issue or a pull request right on "
                    "GitHub.com.", f"{_DOCS}/how-tos/chat-with-copilot/chat-in-github"),
    "inline_chat": ("Select code in the editor and ask Copilot to change it in place "
                    "(Ctrl+I / Cmd+I).",
                    f"{_DOCS}/how-tos/chat-with-copilot/get-started-with-chat-in-your-ide"),
    "knowledge_base_chat": ("Point Copilot Chat at your organization's documentation so its "
                            "answers follow your own conventions.",
                            f"{_DOCS}/how-tos/provide-context/create-knowledge-bases"),
    "mobile_chat": ("Ask Copilot about code and pull requests from the GitHub Mobile app.",
                    f"{_DOCS}/how-tos/chat-with-copilot/chat-in-mobile"),
    "panel_chat": ("Open the chat panel in your editor to explain code, write tests or fix a "
                   "bug with Copilot.",
                   f"{_DOCS}/how-tos/chat-with-copilot/get-started-with-chat-in-your-ide"),
    "pull_request_summary": ("Let Copilot draft the description of your next pull request.",
                             f"{_DOCS}/github-copilot-enterprise/copilot-pull-request-summaries"
                             "/about-copilot-pull-request-summaries"),
    "agent": ("Describe a task in agent mode and let Copilot edit the files and run the "
              "commands, with your approval.",
              f"{_DOCS}/how-tos/chat-with-copilot/get-started-with-chat-in-your-ide"),
}
OVERVIEW = ("Find out what {title} does in GitHub's overview of Copilot features.",
            f"{_DOCS}/get-started/features")


def help_for(feature: str) -> tuple[str, str]:
    """A one-line tip and a link to GitHub's documentation."""
    if feature in HELP:
        return HELP[feature]
    tip, url = OVERVIEW
    return tip.format(title=title(feature)), url
