"""The back office's demo data (seed_demo): each part of the support workplace seeds its own queue."""

from . import dispute_demo, money_demo, penalty_demo, support_demo


def seed(log):
    penalty_demo.seed(log)
    support_demo.seed(log)
    dispute_demo.seed(log)
    money_demo.seed(log)
