"""Profile files: validated in the first second, errors name the dotted key."""

import time

import pytest

from spikelib.pipeline.profiles import ProfileError, load_profile


@pytest.mark.parametrize("name, n_cells", [("quick", 27), ("fashion", 22), ("paper", 132), ("noise", 70), ("penalties", 14),
                                           ("zoo", 270), ("clean", 63), ("quick_zoo", 8), ("quick_clean", 12)])
def test_shipped_profiles_expand(name, n_cells):
    profile = load_profile(name)
    assert profile.name == name and len(profile.cells) == n_cells
    ids = [cell.id for cell in profile.cells]
    for position, cell in enumerate(profile.cells):
        if cell.depends_on:
            assert ids.index(cell.depends_on) < position  # generalizing first


def test_paper_profile_is_the_paper_grid():
    profile = load_profile("paper")
    grid = [c.config for c in profile.cells if c.config.protocol == "cell"]
    assert {c.dataset for c in grid} == {"mnist", "fashion_mnist", "cifar10"}
    assert {c.width for c in grid} == {64, 128, 256, 512}
    assert {c.model for c in grid if c.dataset == "cifar10"} == {"densenet"}
    assert all(c.densenet_weights == "imagenet" for c in grid)
    curves = [c.config for c in profile.cells if c.config.protocol == "curve"]
    assert {(c.epochs, c.max_memorize_epochs, c.memorize_until) for c in curves} == {(10, 100, "epochs")}
    assert not any(c.model == "mlp" and c.condition == "mem_retrain_all" for c in grid)


def write(tmp_path, text):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return path


GOOD_BLOCK = "  - {datasets: [digits], models: [mlp], widths: [8], conditions: [generalizing], seeds: [0]}\n"


@pytest.mark.parametrize("text, key, allowed", [
    ("name: x\ngird: []\n", "gird", "grid"),
    ("name: x\ndefaults: {epoch: 3}\ngrid:\n" + GOOD_BLOCK, "defaults.epoch", "epochs"),
    ("name: x\ngrid:\n  - {datasets: [digits], models: [mlp], widths: [8], conditions: [generalizing], seeds: [0], widht: 3}\n",
     "grid[0].widht", "widths"),
    ("name: x\ngrid:\n  - {datasets: [digits], models: [mlp], widths: [8, 0], conditions: [generalizing], seeds: [0]}\n",
     "grid[0].widths[1]", "`width` must be an integer"),
    ("name: x\ngrid:\n  - {datasets: [digits], models: [mlp, rnn], widths: [8], conditions: [generalizing], seeds: [0]}\n",
     "grid[0].models[1]", "'mlp', 'cnn', 'densenet'"),
    ("name: x\ngrid:\n  - {datasets: [digits], models: [mlp], widths: [8], conditions: [memorize], seeds: [0]}\n",
     "grid[0].conditions[0]", "mem_retrain_last"),
    ("name: x\ngrid:\n  - {datasets: [digits], models: [mlp], widths: [8], conditions: [generalizing]}\n",
     "grid[0].seeds", "is required"),
    ("name: x\ndefaults: {window: 0}\ngrid:\n" + GOOD_BLOCK, "defaults.window", "integer >= 1"),
    ("name: x\ngrid:\n  - {datasets: [digits], models: [mlp], widths: [8], conditions: [generalizing], seeds: [0], output_dir: /x}\n",
     "grid[0].output_dir", "not a known key"),
    ("name: x\ncurves:\n  - {datasets: [digits], models: [mlp], widths: [8], conditions: [random], seeds: [0]}\ngrid: []\n",
     "curves[0].conditions[0]", "curve protocol"),
])
def test_errors_name_the_dotted_key(tmp_path, text, key, allowed):
    start = time.perf_counter()
    with pytest.raises(ProfileError) as info:
        load_profile(write(tmp_path, text))
    message = str(info.value)
    assert f"`{key}`" in message and allowed in message, message
    assert time.perf_counter() - start < 1.0


def test_retraining_needs_its_generalizing_cell(tmp_path):
    text = "name: x\ngrid:\n  - {datasets: [digits], models: [cnn], widths: [8], conditions: [mem_retrain_all], seeds: [0]}\n"
    with pytest.raises(ProfileError, match="add 'generalizing'"):
        load_profile(write(tmp_path, text))


def test_unknown_profile_and_bad_yaml(tmp_path):
    with pytest.raises(ProfileError, match="known profiles: .*'quick'"):
        load_profile("qiuck")
    with pytest.raises(ProfileError, match="not valid YAML"):
        load_profile(write(tmp_path, "name: [unclosed\n"))


@pytest.mark.parametrize("text, key, message", [
    ("name: x\ndefaults: {learning_rate: fast}\ngrid:\n" + GOOD_BLOCK, "defaults.learning_rate",
     "must be a number; got 'fast'"),
    ("name: x\ndefaults: {validation_split: [0.1]}\ngrid:\n" + GOOD_BLOCK, "defaults.validation_split",
     "must be a number; got [0.1]"),
    ("name: x\ndefaults: {learning_rate: .inf}\ngrid:\n" + GOOD_BLOCK, "defaults.learning_rate", "finite"),
    ("name: x\ngrid:\n  - {datasets: [digits], models: [mlp], widths: [8], conditions: [generalizing], seeds: [0], epochs: 0}\n",
     "grid[0].epochs", "give at least 1 epoch"),
    ("name: x\ngrid:\n  - {datasets: [digits], models: [mlp], widths: [8, x], conditions: [generalizing], seeds: [0]}\n",
     "grid[0].widths[1]", "must be an integer"),
])
def test_bad_values_name_the_dotted_key(tmp_path, text, key, message):
    with pytest.raises(ProfileError) as info:
        load_profile(write(tmp_path, text))
    assert f"`{key}`" in str(info.value) and message in str(info.value), str(info.value)


def test_aliases_are_refused_before_they_expand(tmp_path):
    """A billion-laughs profile: 600 bytes that would expand to hundreds of MB."""
    lines = ["name: x", "a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    start = time.perf_counter()
    with pytest.raises(ProfileError, match="aliases and anchors are not allowed"):
        load_profile(write(tmp_path, "\n".join(lines) + "\n"))
    assert time.perf_counter() - start < 1.0


def test_duplicate_keys_are_refused(tmp_path):
    text = "name: x\ndefaults: {epochs: 3, epochs: 5}\ngrid:\n" + GOOD_BLOCK
    with pytest.raises(ProfileError, match="repeats the key 'epochs'"):
        load_profile(write(tmp_path, text))


def test_huge_profiles_are_refused_unread(tmp_path):
    path = write(tmp_path, "name: x\n" + "#" * (2 << 20) + "\n")
    with pytest.raises(ProfileError, match="a profile is at most"):
        load_profile(path)


def test_vary_expands_a_factorial_and_names_its_keys(tmp_path):
    text = ("name: t\ngrid:\n  - {datasets: [digits], models: [mlp], widths: [8, 16], conditions: [generalizing], "
            "seeds: [0], vary: {depth: [1, 2], learning_rate: [0.05, 0.1, 0.2]}}\n")
    profile = load_profile(write(tmp_path, text))
    combos = {(c.config.width, c.config.depth, c.config.learning_rate) for c in profile.cells}
    assert len(profile.cells) == 12 and len(combos) == 12
    bad = text.replace("0.2]}", "-1]}")
    with pytest.raises(ProfileError, match=r"grid\[0\]\.vary\.learning_rate\[2\]"):
        load_profile(write(tmp_path, bad))
    with pytest.raises(ProfileError, match=r"grid\[0\]\.vary\.colour"):
        load_profile(write(tmp_path, text.replace("depth:", "colour:")))
    with pytest.raises(ProfileError, match="non-empty list"):
        load_profile(write(tmp_path, text.replace("depth: [1, 2]", "depth: 2")))


def test_shuffle_runs_cells_in_a_seeded_order_with_dependencies_first(tmp_path):
    block = ("  - {datasets: [digits], models: [mlp], widths: [8, 16, 32, 64], conditions: [generalizing, "
             "mem_retrain_last], seeds: [0, 1]}\n")
    plain = load_profile(write(tmp_path, "name: t\ngrid:\n" + block))
    first = load_profile(write(tmp_path, "name: t\nshuffle: 3\ngrid:\n" + block))
    again = load_profile(write(tmp_path, "name: t\nshuffle: 3\ngrid:\n" + block))
    assert [c.id for c in first.cells] == [c.id for c in again.cells] != [c.id for c in plain.cells]
    assert sorted(c.id for c in first.cells) == sorted(c.id for c in plain.cells)
    ids = [c.id for c in first.cells]
    assert all(ids.index(c.depends_on) < i for i, c in enumerate(first.cells) if c.depends_on)
    with pytest.raises(ProfileError, match="`shuffle` must be a seed"):
        load_profile(write(tmp_path, "name: t\nshuffle: yes\ngrid:\n" + block))


def test_empty_and_enormous_grids_are_refused_before_expanding(tmp_path):
    with pytest.raises(ProfileError, match="`grid` expands into no cell"):
        load_profile(write(tmp_path, "name: t\ngrid: []\n"))
    huge = ("name: t\ngrid:\n  - {datasets: [digits], models: [mlp], widths: [" + ", ".join(map(str, range(1, 1001)))
            + "], conditions: [generalizing], seeds: [" + ", ".join(map(str, range(1000))) + "]}\n")
    started = time.perf_counter()
    with pytest.raises(ProfileError, match=r"`grid\[0\]` takes the profile to 1,000,000 cells"):
        load_profile(write(tmp_path, huge))
    assert time.perf_counter() - started < 5


def test_the_table_of_contents_is_the_registry_of_pages():
    """_toc.yml is written from spikelib.report.pages (python -m spikelib.report.book --write-toc)."""
    import yaml

    from spikelib import paths
    from spikelib.report.pages import DEMOS, toc

    assert yaml.safe_load((paths.ROOT / "_toc.yml").read_text()) == toc()
    chapters = {entry["file"] for part in toc()["parts"] for entry in part["chapters"]}
    for chapter in chapters - {f"book/executed/{demo}" for demo in DEMOS}:
        assert (paths.ROOT / f"{chapter}.md").is_file(), chapter
    for demo in DEMOS:
        assert (paths.NOTEBOOKS / f"{demo}.py").is_file(), demo


def test_every_profile_the_book_reads_exists():
    from spikelib import paths
    from spikelib.report.pages import EMBEDDED, NOT_PROFILES, profile_names

    for name in {*profile_names(), *EMBEDDED}:
        if name in NOT_PROFILES:  # a results folder another command makes, committed
            assert (paths.results_dir() / name / "manifest.json").is_file(), name
        else:
            assert load_profile(name).name == name
