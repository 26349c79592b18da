"""Issue 10, finding 7: an upload's dimensions are checked before it is decoded, a JPEG is
decoded at a reduced scale, and nothing larger than needed is kept in memory."""
import io
import time

import pytest
from PIL import Image

from app.catalog import photos
from app.errors import DomainError
from tests.api.catalog_helpers import create_resource
from tests.api.test_photos import ADD, b64


def _png(size) -> bytes:
    out = io.BytesIO()
    Image.new("1", size).save(out, "PNG", optimize=True)  # one bit a pixel: a tiny file
    return out.getvalue()


def test_a_small_png_of_many_pixels_is_refused_without_decoding(member_api):
    bomb = _png((6300, 6300))
    assert len(bomb) < 200_000
    resource = create_resource(member_api)
    started = time.perf_counter()
    result = member_api.data(ADD, input={"resourceId": resource["id"], "data": b64(bomb)})["addResourcePhoto"]
    assert time.perf_counter() - started < 1.0
    assert result["photo"] is None and result["errors"][0]["code"] == "INVALID"
    assert result["errors"][0]["field"] == ["photo"]


def test_a_panorama_too_long_is_refused():
    with pytest.raises(DomainError):
        photos.decode(_png((photos.MAX_SIDE + 1, 100)))


def test_a_large_jpeg_is_decoded_at_a_reduced_scale():
    out = io.BytesIO()
    Image.new("RGB", (6000, 4000), (90, 120, 30)).save(out, "JPEG", quality=70)
    started = time.perf_counter()
    image = photos.decode(out.getvalue())
    assert time.perf_counter() - started < 1.0
    assert photos.SIZE <= max(image.size) < 6000  # never the full 24 Mpx in memory


def test_an_upright_photo_stays_upright():
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # taken with the phone turned: rotate 90° to show
    Image.new("RGB", (400, 300)).save(out, "JPEG", exif=exif.tobytes())
    assert photos.decode(out.getvalue()).size == (300, 400)
