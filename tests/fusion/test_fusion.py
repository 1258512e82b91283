import pytest
import torch

from polymodal.encoders.output import EncoderOutput
from polymodal.fusion import ConcatFusion, ProductFusion


def encoded(dims, batch=3):
    return {
        name: EncoderOutput(
            torch.randn(batch, 2, d), torch.ones(batch, 2, dtype=torch.bool), torch.randn(batch, d)
        )
        for name, d in dims.items()
    }


def test_concat_fusion_value():
    fusion = ConcatFusion({"a": 2, "b": 3}, dim=4)
    inputs = encoded({"a": 2, "b": 3})
    expected = torch.relu(
        fusion.project(torch.cat([inputs["a"].pooled, inputs["b"].pooled], dim=-1))
    )
    torch.testing.assert_close(fusion(inputs).pooled, expected)
    assert sum(p.numel() for p in fusion.parameters()) == (2 + 3) * 4 + 4


def test_product_fusion_value():
    fusion = ProductFusion({"a": 2, "b": 3}, dim=4)
    inputs = encoded({"a": 2, "b": 3})
    expected = torch.tanh(fusion.projections["a"](inputs["a"].pooled)) * torch.tanh(
        fusion.projections["b"](inputs["b"].pooled)
    )
    torch.testing.assert_close(fusion(inputs).pooled, expected)


def test_fusion_checks_modalities_and_widths():
    fusion = ConcatFusion({"a": 2, "b": 3}, dim=4)
    with pytest.raises(ValueError, match=r"missing \['b'\]"):
        fusion(encoded({"a": 2}))
    with pytest.raises(ValueError, match="width 5, input_dims says 3"):
        fusion(encoded({"a": 2, "b": 5}))
    with pytest.raises(ValueError, match="at least two"):
        ProductFusion({"a": 2}, dim=4)
