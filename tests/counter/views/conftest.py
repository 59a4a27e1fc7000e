"""Fixtures the counter views' tests share."""

import pytest

from tests.referrals.helpers import (
    consult,
)


@pytest.fixture
def consultation(alice, seeker_a, posting_c, posting_d):
    return consult(seeker_a, alice, apply=[posting_c], declined=[posting_d])
