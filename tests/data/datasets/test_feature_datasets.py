"""CMU-MOSI/MOSEI, IEMOCAP (MMSA and MultiBench/MulT pickles, converted folders) and SEMAINE."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from tests.data.datasets.official_files import (
    write_mmsa_pickle,
    write_multibench_pickle,
    write_semaine,
)

from polymodal.data.batch import Padded, collate
from polymodal.data.datasets.feature_files import convert_pickle
from polymodal.data.datasets.iemocap import IEMOCAP
from polymodal.data.datasets.mosi import MOSI
from polymodal.data.datasets.semaine import SEMAINE
from polymodal.errors import DataError


def test_pickle_needs_trust(tmp_path: Path) -> None:
    path = write_mmsa_pickle(tmp_path / "aligned_50.pkl", aligned=True)
    with pytest.raises(DataError, match=r"aligned_50.pkl is a pickle file.*trust_pickle=True"):
        MOSI("train", root=path)
    assert len(MOSI("train", root=path, trust_pickle=True)) == 6


def test_mmsa_aligned(tmp_path: Path) -> None:
    path = write_mmsa_pickle(tmp_path / "aligned_50.pkl", aligned=True)
    data = MOSI("valid", root=tmp_path, trust_pickle=True)  # the folder's only pickle
    sample = data[0]
    assert sample["id"] == "03bSnISJMiM$_$0" and sample["text"] == "sentence number 0"
    assert sample["text_features"].shape == (50, 768)
    assert (
        sample["text_bert"].shape == (3, 50)
        and sample["text_bert"].dtype.is_floating_point is False
    )
    assert sample["audio"].shape == (50, 5) and sample["vision"].shape == (50, 20)
    assert data.field_values("label") == pytest.approx([-3.0, 0.0, 3.0])
    assert data.feature_dims() == {"text_features": 768, "audio": 5, "vision": 20}
    assert len(MOSI("val", root=path, trust_pickle=True)) == 3  # "val" means "valid"


def test_mmsa_unaligned_lengths_and_nonfinite(tmp_path: Path) -> None:
    path = write_mmsa_pickle(tmp_path / "unaligned_50.pkl", aligned=False)
    data = MOSI("train", root=path, trust_pickle=True)
    assert [data[i]["audio"].shape[0] for i in range(3)] == [3, 4, 5]
    assert [data[i]["vision"].shape[0] for i in range(3)] == [2, 3, 4]
    assert data.nonfinite_replaced == 1 and float(data[0]["audio"][0, 0]) == 0.0
    batch = collate([data[0], data[1]])
    assert isinstance(batch["audio"], Padded) and batch["audio"].lengths.tolist() == [3, 4]
    assert batch["label"] == pytest.approx([-3.0, -1.8])


def test_multibench_layout(tmp_path: Path) -> None:
    path = write_multibench_pickle(tmp_path / "mosi_data.pkl")
    data = MOSI("test", root=path, trust_pickle=True)
    sample = data[2]
    assert sample["id"] == "Ses01F_test_2" and "text" not in sample
    assert sample["text_features"].shape == (20, 300) and sample["audio"].shape == (20, 74)
    assert data.feature_dims() == {"text_features": 300, "audio": 74, "vision": 35}
    assert isinstance(sample["label"], float)


def test_convert_then_load_without_trust(tmp_path: Path) -> None:
    source = write_mmsa_pickle(tmp_path / "unaligned_50.pkl", aligned=False)
    with pytest.raises(DataError, match="is a pickle file"):
        convert_pickle(source, tmp_path / "converted", trust_pickle=False)
    written = convert_pickle(source, tmp_path / "converted", trust_pickle=True)
    assert {p.name for p in written} >= {"meta.json", "train.safetensors", "train.json"}
    original = MOSI("train", root=source, trust_pickle=True)
    converted = MOSI("train", root=tmp_path / "converted")
    for index in range(len(original)):
        first, second = original[index], converted[index]
        assert first.keys() == second.keys()
        for key, value in first.items():
            if hasattr(value, "shape"):
                assert np.array_equal(value.numpy(), second[key].numpy()), key
            else:
                assert value == second[key], key


def test_feature_file_errors(tmp_path: Path) -> None:
    path = tmp_path / "broken.pkl"
    path.write_bytes(pickle.dumps({"train": {"audio": np.zeros((2, 3, 4))}})[:20])
    with pytest.raises(DataError, match=r"broken.pkl: cannot read pickle"):
        MOSI("train", root=path, trust_pickle=True)
    path.write_bytes(
        pickle.dumps({"train": {"audio": np.zeros((2, 3, 4)), "vision": np.zeros((3, 3, 4))}})
    )
    with pytest.raises(DataError, match=r"broken.pkl: train.vision has 3 rows; expected 2"):
        MOSI("train", root=path, trust_pickle=True)
    with pytest.raises(DataError, match=r"broken.pkl: no split 'test' \(it has \['train'\]\)"):
        MOSI("test", root=path, trust_pickle=True)
    write_mmsa_pickle(tmp_path / "second.pkl")
    with pytest.raises(DataError, match=r"should hold one \.pkl file .*broken\.pkl, second\.pkl"):
        MOSI("train", root=tmp_path, trust_pickle=True)


def test_iemocap_labels(tmp_path: Path) -> None:
    path = write_multibench_pickle(tmp_path / "iemocap_data.pkl", labels_shape=(4, 2))
    with pytest.raises(DataError, match="trust_pickle"):
        IEMOCAP("train", root=path)
    data = IEMOCAP("train", root=path, trust_pickle=True)
    assert data.field_values("emotion") == ["neutral", "happy", "sad", "angry", "neutral"]
    assert data[1]["labels"].tolist() == [0.0, 1.0, 0.0, 0.0]
    wrong = write_multibench_pickle(tmp_path / "wrong" / "iemocap_data.pkl", labels_shape=(1, 1))
    with pytest.raises(
        DataError, match=r"train.labels has shape \(5, 1, 1\); expected \(samples, 4, 2\)"
    ):
        IEMOCAP("train", root=wrong, trust_pickle=True)


def test_semaine_traces_aligned_to_features(tmp_path: Path) -> None:
    root = write_semaine(tmp_path)
    data = SEMAINE(root=root, dimensions=["valence", "arousal"])
    assert len(data) == 1 and data.skipped == 1  # session 2 has no arousal trace
    assert "2: no trace for arousal" in (data.skip_report() or "")
    sample = data[0]
    assert sample["features"].shape == (25, 3) and sample["labels"].shape == (25, 2)
    # Mean of raters 1 (attempt 2) and 2 at t = 1.0 s: valence 0.1·1 + 0.15, arousal −0.2 + 0.15.
    assert sample["labels"][10].tolist() == pytest.approx([0.25, -0.05], abs=1e-5)
    # Beyond the trace's end (2 s) the last value holds.
    assert sample["labels"][24, 0] == pytest.approx(0.2 + 0.15, abs=1e-5)
    valence = SEMAINE(root=root, dimensions=["valence"], window=8, stride=6)
    assert valence.field_values("id") == ["1/0", "1/6", "1/12", "2/0", "2/6", "2/12"]
    operator = SEMAINE(root=root, dimensions=["valence"], target="operator")
    assert operator[0]["labels"][0, 0] == pytest.approx(5.0)


def test_semaine_errors(tmp_path: Path) -> None:
    root = write_semaine(tmp_path)
    (root / "Sessions" / "1" / "R2S1TUCPoDV.txt").write_text("0.0 0.1\nhalf 0.2\n")
    with pytest.raises(DataError, match=r"R2S1TUCPoDV.txt: line 2 is 'half 0.2'"):
        SEMAINE(root=root, dimensions=["valence"])
    with pytest.raises(DataError, match="SEMAINE splits file not found"):
        SEMAINE("train", root=root)
    with pytest.raises(DataError, match="unknown dimensions"):
        SEMAINE(root=root, dimensions=["joy"])
