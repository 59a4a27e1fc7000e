"""The bench's table: each ratio's bound (bench.bounds) is printed under it, and says what
it holds fixed when it falls short of the target. (Nothing here times anything.)"""

from bench import report


def _results(*, issuance_bound: float, replayed_ratio: float, load_bound: float) -> dict:
    return {
        "rows": 100_000,
        "audit_events": 850_000,
        "list_p95_small_ms": 21.0,
        "list_p95_ms": 22.0,
        "flatness_ratio": 1.05,
        "issuance_per_s": 10.3,
        "raw_per_s": 127.7,
        "raw_split_per_s": 70.5,
        "issuance_ratio": 0.08,
        "issuance_statements": 64,
        "raw_statements": 17,
        "orm_floor": {"wall_ms": 0.88, "cpu_ms": 0.7, "samples": 1000},
        "issuance_bound": issuance_bound,
        "replayed_per_s": 30.0,
        "replayed_ratio": replayed_ratio,
        "audit_appends_per_s": 1664,
        "load_rps": 58.1,
        "load_p50_ms": 247.8,
        "load_p95_ms": 514.5,
        "load_p99_ms": 902.7,
        "floor_rps": 402.7,
        "floor_anon_rps": 1201.5,
        "load_ratio": 0.14,
        "load_bound": load_bound,
        "load_errors": 0,
        "pages": {"applicant_list": {"p50_ms": 20.0, "p95_ms": 22.0, "queries_vary": False}},
        "queries": {"applicant_list": 9},
    }


def _line(printed: str, label: str) -> str:
    return next(line for line in printed.splitlines() if line.lstrip().startswith(label))


def test_a_bound_below_its_target_says_what_it_holds_fixed(capsys):
    report.print_table(_results(issuance_bound=0.14, replayed_ratio=0.23, load_bound=0.36))
    printed = capsys.readouterr().out

    issuance = _line(printed, "at the ORM's floor")
    assert "0.14" in issuance
    assert "64 statements per issue (raw 17)" in issuance
    assert "0.88 ms" in issuance
    assert "not with these statements through the ORM" in issuance
    replayed = _line(printed, "the statements as SQL")
    assert "0.23" in replayed
    assert "30.0/s" in replayed
    assert "not with these statements, one round trip each" in replayed
    load = _line(printed, "with pages free in the app")
    assert "0.36" in load
    assert "not with the app's CPU alone" in load


def test_a_bound_that_reaches_its_target_says_nothing_more(capsys):
    report.print_table(_results(issuance_bound=0.43, replayed_ratio=0.4, load_bound=0.5))
    printed = capsys.readouterr().out

    assert "not with" not in _line(printed, "at the ORM's floor")
    assert "not with" not in _line(printed, "the statements as SQL")
    assert "not with" not in _line(printed, "with pages free in the app")
