from omegaconf import OmegaConf

from polymodal.config import validate


def test_validate_reports_every_problem_with_its_path():
    config = OmegaConf.create(
        {
            "meta": {"n": "???"},
            "model": {
                "_component_": "polymodal.models.MultimodalModel",
                "encoders": {"image": {"_component_": "polymodal.encoders.ConvImageEncoderr"}},
                "fusion": {
                    "_component_": "polymodal.fusion.ConcatFusion",
                    "dimm": 3,
                    "input_dims": {"image": 4},
                },
                "heads": {
                    "a": {
                        "_component_": "polymodal.heads.MLPHead",
                        "input_dim": 4,
                        "num_classes": "${meta.n}",
                    }
                },
            },
            "broken": "${does.not.exist}",
        }
    )
    problems = validate(config)
    assert "model.fusion: unexpected argument 'dimm' for polymodal.fusion.ConcatFusion" in problems
    assert (
        "model.fusion: missing required argument 'dim' for polymodal.fusion.ConcatFusion"
        in problems
    )
    assert any(p.startswith("model.encoders.image._component_: cannot import") for p in problems)
    assert any(p.startswith("broken:") for p in problems)
    # ``???`` values are filled in by the recipe: not a problem.
    assert not any("model.heads" in p for p in problems)
    assert len(problems) == 4


def test_runtime_arguments_count_as_given():
    config = OmegaConf.create({"optimizer": {"_component_": "torch.optim.AdamW", "lr": 0.1}})
    assert validate(config) == [
        "optimizer: missing required argument 'params' for torch.optim.AdamW"
    ]
    assert validate(config, {"optimizer": {"params"}}) == []
