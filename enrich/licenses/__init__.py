"""The licence review (METRICS.md section 7): seat use, reclaim candidates and their cost."""

from enrich.licenses.holders import HeldSeat, Terms, merge_holders
from enrich.licenses.review import CostCenterReview, Holder, Review, ReviewedSeat, review

__all__ = ["CostCenterReview", "HeldSeat", "Holder", "Review", "ReviewedSeat", "Terms",
           "merge_holders", "review"]
