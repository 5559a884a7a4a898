"""The licence review (METRICS.md section 7): seat use, reclaim candidates and their cost."""

from enrich.licenses.holders import HeldSeat, Terms, merge_holders
from enrich.licenses.review import (
    CostCenterReview,
    Holder,
    Review,
    ReviewedSeat,
    Summary,
    review,
    review_held,
)

__all__ = ["CostCenterReview", "HeldSeat", "Holder", "Review", "ReviewedSeat", "Summary",
           "Terms", "merge_holders", "review", "review_held"]
