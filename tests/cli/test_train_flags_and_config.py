"""Train flags and --config files reaching the run: every flag given on the command line configures the Trainer
(--universe selecting the boards trained on), --config reads TOML or JSON with dashed or underscored keys and the
command line wins over it, an unreadable config file or an out-of-range value is one error line naming the file or
flag, and boundary values are accepted."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

from aurumq_rl.algos.trainer import Trainer  # noqa: E402
from aurumq_rl.cli.main import build_parser, main  # noqa: E402
from aurumq_rl.cli.train import FLAG_DEFAULTS, _merge, build_config, validate  # noqa: E402
from tests.cli.helpers import TINY, _steps  # noqa: E402


def test_universe_flag_selects_the_stocks_trained_on(data: str, tmp_path: Path) -> None:
    """--universe all_non_st trains on every board (ChiNext and STAR included); the default main_board_non_st
    only on the main board."""

    def boards(universe: str) -> set[str]:
        opts = {
            **FLAG_DEFAULTS,
            "data": data,
            "out_dir": str(tmp_path / "run"),
            "n_envs": 4,
            "episode_length": 8,
            "universe": universe,
        }
        tr = Trainer(build_config(opts))
        return set(tr.panel.board[tr.panel.in_universe.any(0)].tolist())

    assert boards("main_board_non_st") == {"main"}
    assert {"main", "chinext", "star"} <= boards("all_non_st")


def _opts(*argv: str) -> dict:
    return _merge(build_parser().parse_args(["train", *argv]))


def test_every_flag_reaches_the_training_config(data: str, tmp_path: Path) -> None:
    """Each train flag given on the command line (not its default) is what the Trainer is configured with."""
    inc = tmp_path / "cols.txt"
    inc.write_text("alpha_001\n")
    flags = (
        "--universe all_non_st --seed 9 --learning-rate 0.02 --value-learning-rate 0.03 --n-epochs 2 --cost-bps 0 "
        "--sizing strategy_d "
        "--reward-mode sharpe --eval-every 3 --val-start 2021-07-01 --val-end 2021-09-30 --factors 8 --threads 1 "
        "--target-kl 0.2 --top-k 7 --forward-period 3 --episode-length 9 --encoder-hidden 16,8 "
        "--feature-group-weights mf_=0.5 --n-envs 6 --n-steps 5 --batch-size 20 --total-timesteps 90"
    )
    paths = ["--data", data, "--out-dir", str(tmp_path / "run"), "--include-columns-file", str(inc)]
    cfg = build_config(_opts(*paths, *flags.split()))
    assert (cfg.universe, cfg.val_start, cfg.val_end, cfg.factors, cfg.include_columns_file) == (
        "all_non_st",
        "2021-07-01",
        "2021-09-30",
        8,
        str(inc),
    )
    assert (cfg.eval_every, cfg.threads, cfg.encoder_hidden, cfg.feature_group_weights) == (3, 1, (16, 8), {"mf_": 0.5})
    assert (cfg.ppo.seed, cfg.ppo.learning_rate, cfg.ppo.n_epochs, cfg.ppo.target_kl) == (9, 0.02, 2, 0.2)
    assert cfg.ppo.value_learning_rate == 0.03
    assert (cfg.ppo.n_envs, cfg.ppo.n_steps, cfg.ppo.batch_size, cfg.ppo.total_timesteps) == (6, 5, 20, 90)
    assert (cfg.env.cost.round_trip_bps, cfg.env.sizing, cfg.env.reward_mode) == (0.0, "strategy_d", "sharpe")
    assert (cfg.env.top_k, cfg.env.forward_period, cfg.env.episode_length) == (7, 3, 9)


@pytest.mark.parametrize("suffix", [".toml", ".TOML", ".json"])
def test_config_file_toml_or_json_with_dashed_or_underscored_keys(data: str, tmp_path: Path, suffix: str) -> None:
    """--config reads TOML (by its .toml suffix, in any case: .TOML was read as JSON) or JSON; keys are flag
    names with - or _; a flag on the command line still wins over the file."""
    path = tmp_path / f"c{suffix}"
    if suffix.lower() == ".toml":
        path.write_text('universe = "all_non_st"\ntop-k = 7\nn_epochs = 2\nno-export = true\n'
                        'value-learning-rate = 0.004\n')
    else:
        path.write_text('{"universe": "all_non_st", "top-k": 7, "n_epochs": 2, "no-export": true, '
                        '"value_learning_rate": 0.004}')
    opts = _opts("--config", str(path), "--data", data, "--out-dir", str(tmp_path / "run"), "--n-epochs", "3")
    assert opts["no_export"] is True
    cfg = build_config(validate(opts))
    assert (cfg.universe, cfg.env.top_k, cfg.ppo.n_epochs, cfg.ppo.value_learning_rate) == ("all_non_st", 7, 3, 0.004)


def test_a_config_list_of_globs_selects_as_the_flag_does(data: str, tmp_path: Path) -> None:
    """`factors` in --config as a list: exact names keep their order, and a list holding globs means what
    the flag's comma list means (it was read as literal names: "missing alpha_00*")."""
    base = ("--data", data, "--out-dir", str(tmp_path / "run"))
    for value, flag in ((["alpha_00*", "gtja_001"], "alpha_00*,gtja_001"), (["mf_001", "alpha_001"], None)):
        path = tmp_path / "c.json"
        path.write_text(json.dumps({"factors": value}))
        cfg = build_config(validate(_opts("--config", str(path), *base)))
        if flag is None:
            assert cfg.factors == value
        else:
            assert cfg.factors == flag == build_config(validate(_opts("--factors", flag, *base))).factors


def test_config_file_errors_name_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing or unparsable --config file: exit 2, one line naming the flag and the file."""
    missing = tmp_path / "nope.json"
    assert main(["train", "--config", str(missing)]) == 2
    assert f"error: --config: file not found: {missing}" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text("top-k = = 3\n")
    assert main(["train", "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"error: --config {bad}: cannot parse" in err and "Traceback" not in err


def test_config_and_column_files_from_windows_editors(data: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """A UTF-8 file with a byte-order mark (Notepad) is read like one without: the BOM made a JSON config
    unparsable and stuck to the first name of --include-columns-file ('\\ufefftech_x missing'). A file in another
    encoding (GBK comments) and a JSON config that is a list are one error line each, not a UnicodeDecodeError or
    AttributeError traceback."""
    from aurumq_rl.data.contract import read_columns_file

    cols = tmp_path / "cols.txt"
    cols.write_bytes("\ufeffalpha_001  # 第一\nalpha_002\n".encode("utf-8"))
    assert read_columns_file(cols) == ["alpha_001", "alpha_002"]
    conf = tmp_path / "c.json"
    conf.write_bytes('\ufeff{"top_k": 7}'.encode("utf-8"))
    assert _opts("--config", str(conf))["top_k"] == 7
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("alpha_001  # 资金流\n".encode("gbk"))
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]")
    for flags, said in ((["--include-columns-file", str(gbk)], f"error: include-columns file {gbk}: not UTF-8 text"),
                        (["--config", str(listed)], f"error: --config {listed}: holds a list, not an object")):
        assert main(["train", "--data", data, "--out-dir", str(tmp_path / "run"), *flags]) == 2
        err = capsys.readouterr().err
        assert said in err and "Traceback" not in err, err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    ("flags", "config", "named"),
    [
        (["--threads", "0"], None, "--threads 0: must be ≥ 1"),
        (["--target-kl", "0"], None, "--target-kl 0"),
        (["--reward-mode", "alpha"], None, "--reward-mode 'alpha': choose one of forward_return"),
        (["--learning-rate", "nan"], None, "--learning-rate nan"),
        (["--cost-bps", "inf"], None, "--cost-bps inf"),
        (["--cost-bps", "3"], None, "cost round_trip_bps=3 (--cost-bps) is below commissions + stamp duty"),
        (["--feature-group-weights", "mf_"], None, "--feature-group-weights 'mf_': give prefix=weight pairs"),
        ([], '{"learning_rate": true}', "--learning-rate True: must be a number"),
        ([], '{"n_epochs": true}', "--n-epochs True: must be an integer"),
        # a --config value of the wrong type: was a TypeError traceback (a path or the factor list) or, for a
        # switch written as text, read by its truth ("false" resumed the run)
        ([], '{"include_columns_file": 3}', "--include-columns-file 3: must be text"),
        ([], '{"factors": 3.5}', "--factors 3.5: give a count"),
        ([], '{"factors": ["alpha_001", 3]}', "--factors ['alpha_001', 3]: give a count"),
        ([], '{"resume": "false"}', "--resume 'false': a switch is true or false"),
        ([], '{"smoke": 1}', "--smoke 1: a switch is true or false"),
    ],
)
def test_more_bad_values_are_refused_naming_the_flag(
    data: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], config: str | None, named: str
) -> None:
    """More out-of-range values, flag or --config alike: exit 2, one line naming the flag and the value,
    before the run directory exists."""
    out = tmp_path / "run"
    extra = []
    if config is not None:
        (tmp_path / "c.json").write_text(config)
        extra = ["--config", str(tmp_path / "c.json")]
    assert main(["train", "--data", data, "--out-dir", str(out), *_steps(1), *TINY, *extra, *flags]) == 2
    err = capsys.readouterr().err
    assert f"error: {named}" in err and "Traceback" not in err, err
    assert not out.exists()


def test_boundary_values_are_accepted() -> None:
    """--cost-bps 0 (frictionless, documented) is valid, and a window may start and end on the same day."""
    opts = validate({**FLAG_DEFAULTS, "cost_bps": 0, "train_start": "2021-03-01", "train_end": "2021-03-01"})
    assert opts["cost_bps"] == 0.0 and opts["train_start"] == opts["train_end"] == "2021-03-01"


@pytest.mark.parametrize("command", [["train", "--total-timesteps", "64", "--no-progress"], ["sl", "train"]])
def test_a_factors_value_int_cannot_read_is_a_pattern_not_a_crash(data: str, tmp_path: Path, command: list[str],
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """--factors N takes a count only when int() reads it: '²' passes str.isdigit but is no number, so it is a
    column pattern matching nothing (a clear error naming it, exit 2), not a ValueError traceback."""
    assert main([*command, "--data", data, "--out-dir", str(tmp_path / "out"), "--factors", "²"]) == 2
    err = capsys.readouterr().err
    assert "factors='²': no factor column" in err and "Traceback" not in err


@pytest.mark.parametrize(("flags", "absent", "module", "named"), [
    ([], "torch", "aurumq_rl.algos.trainer", "training needs the [train] extra (torch missing)"),
    (["--algorithm", "a2c"], "stable_baselines3", "aurumq_rl.algos.sb3",
     "--algorithm a2c needs the [train] extra (stable_baselines3"),
])
def test_training_without_its_packages_names_the_extra(data: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str], flags: list[str],
                                                       absent: str, module: str, named: str) -> None:
    for name in [m for m in sys.modules if m.startswith(f"{absent}.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, absent, None)
    monkeypatch.delitem(sys.modules, module, raising=False)  # imported again, without the package
    out = tmp_path / "run"
    assert main(["train", "--data", data, "--out-dir", str(out), *_steps(1), *TINY, *flags]) == 2
    err = capsys.readouterr().err
    assert f"error: {named}" in err and "Traceback" not in err, err
    assert not out.exists()
