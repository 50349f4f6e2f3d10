from pathlib import Path

import pytest

from bot.ops import training


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A miniature project layout with the training module pointed at it."""
    for name in (
        "config.yml",
        "nlu/a.yml",
        "domain/d.yml",
        "rules/r.yml",
        "stories/s.yml",
        "code.py",
    ):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {name}\n", encoding="utf-8")
    monkeypatch.setattr(training, "ROOT", tmp_path)
    monkeypatch.setattr(training, "CONFIG", tmp_path / "config.yml")
    monkeypatch.setattr(training, "NLU_DATA", tmp_path / "nlu")
    monkeypatch.setattr(training, "DOMAIN", tmp_path / "domain")
    monkeypatch.setattr(training, "DIALOGUE_DATA", (tmp_path / "rules", tmp_path / "stories"))
    monkeypatch.setattr(training, "FEATURE_CODE", (tmp_path / "code.py",))
    return tmp_path


def test_hash_is_stable_and_follows_content(project: Path):
    first = training.model_name(nlu_only=True)
    assert first == training.model_name(nlu_only=True)
    assert first.startswith("relais-nlu-")
    (project / "nlu" / "a.yml").write_text("changed", encoding="utf-8")
    assert training.model_name(nlu_only=True) != first


def test_dialogue_files_only_change_the_full_model(project: Path):
    nlu, full = training.model_name(True), training.model_name(False)
    (project / "stories" / "s.yml").write_text("changed", encoding="utf-8")
    assert training.model_name(True) == nlu
    assert training.model_name(False) != full


def test_existing_model_is_reused_without_training(project: Path, monkeypatch):
    models = project / "models"
    models.mkdir()
    target = models / f"{training.model_name(True)}.tar.gz"
    target.write_bytes(b"model")

    def fail(*args, **kwargs):
        raise AssertionError("must not train")

    monkeypatch.setattr("rasa.model_training.train_nlu", fail)
    assert training.ensure_model(nlu_only=True, models_dir=models) == target


def test_without_domain_only_nlu_is_trained(project: Path, monkeypatch):
    for path in (project / "domain").iterdir():
        path.unlink()
    calls = []

    def fake_train_nlu(config, data, output, fixed_model_name):
        calls.append(fixed_model_name)
        Path(output, f"{fixed_model_name}.tar.gz").write_bytes(b"model")
        return str(Path(output, f"{fixed_model_name}.tar.gz"))

    monkeypatch.setattr("rasa.model_training.train_nlu", fake_train_nlu)
    path = training.ensure_model(models_dir=project / "models")
    assert calls == [training.model_name(True)]
    assert path.exists()
