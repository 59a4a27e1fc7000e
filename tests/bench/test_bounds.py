"""The bench's bounds on issue 18's two ratios: the arithmetic, the statements counted and
the ORM's floor. (Nothing here times anything: the figures come from `make bench`.)"""

import pytest

from bench import bounds
from tests.factories import JobSeekerFactory


def test_only_reads_and_writes_count_as_statements():
    sqls = [
        "BEGIN",
        'SELECT "x" FROM "t" WHERE id = 1 FOR UPDATE OF "t"',
        'SAVEPOINT "s1_x1"',
        'INSERT INTO "t" ("a") VALUES (1) RETURNING "t"."id"',
        'RELEASE SAVEPOINT "s1_x1"',
        "  update t set a = 2",
        "ROLLBACK",
        "COMMIT",
    ]

    assert bounds.rule_statements(sqls) == 3
    assert bounds.rule_statements([]) == 0


def test_the_issuance_bound_is_the_services_best_rate_over_the_raw_rate():
    # 64 statements at 0.9 ms at best: 17.4 issues/s, against 80/s raw.
    assert bounds.issuance(statements=64, floor_wall_ms=0.9, raw_per_s=80) == 0.217
    # Half the statements, twice the best rate.
    assert bounds.issuance(statements=32, floor_wall_ms=0.9, raw_per_s=80) == 0.434


@pytest.mark.parametrize(
    ("figures", "named"),
    [
        ({"statements": 0, "floor_wall_ms": 0.9, "raw_per_s": 80}, "statements"),
        ({"statements": 64, "floor_wall_ms": 0, "raw_per_s": 80}, "floor_wall_ms"),
        ({"statements": 64, "floor_wall_ms": 0.9, "raw_per_s": -1}, "raw_per_s"),
    ],
)
def test_the_issuance_bound_names_the_figure_that_is_not_positive(figures, named):
    with pytest.raises(ValueError, match=f"^{named} must be positive"):
        bounds.issuance(**figures)


def test_the_load_bound_keeps_what_the_mix_costs_outside_the_app():
    # The last stop's machine: /healthz 2.5 ms in the app and 0.3 ms elsewhere; the mix
    # 3.6 ms in PostgreSQL and 0.9 ms elsewhere. Free pages would give (2.5 + 0.3) / (2.5 +
    # 4.5), not 1.
    assert bounds.load(floor_app_ms=2.5, floor_other_ms=0.3, mix_other_ms=4.5) == 0.4
    # A mix that cost outside the app what the floor does would be the floor itself.
    assert bounds.load(floor_app_ms=2.5, floor_other_ms=0.3, mix_other_ms=0.3) == 1.0


@pytest.mark.parametrize(
    ("figures", "refusal"),
    [
        ({"floor_app_ms": 0, "floor_other_ms": 0.3, "mix_other_ms": 4.5}, "floor_app_ms must be"),
        ({"floor_app_ms": 2.5, "floor_other_ms": -0.1, "mix_other_ms": 4.5}, "floor_other_ms"),
        ({"floor_app_ms": 2.5, "floor_other_ms": 0.3, "mix_other_ms": -1}, "mix_other_ms"),
    ],
)
def test_the_load_bound_names_the_impossible_figure(figures, refusal):
    with pytest.raises(ValueError, match=f"^{refusal}"):
        bounds.load(**figures)


def test_outside_the_app_is_every_process_but_the_app():
    cost = {"app": 21.17, "postgres": 5.41, "sealer": 1.17, "client": 0.2}

    assert bounds.outside_app(cost) == 6.78
    assert bounds.outside_app({"app": 3.0}) == 0


@pytest.mark.django_db
def test_the_orm_floor_reads_existing_seekers_and_gives_positive_times():
    seekers = JobSeekerFactory.create_batch(3)

    floor = bounds.orm_floor([s.pk for s in seekers], samples=20)

    assert floor.samples == 20
    assert floor.wall_ms > 0
    assert floor.cpu_ms >= 0  # a coarse process clock can read 0 over 20 short reads


def test_the_orm_floor_refuses_an_empty_list_of_seekers():
    with pytest.raises(ValueError, match="existing seekers"):
        bounds.orm_floor([])
