"""Issue 10, finding 7: an upload's dimensions are checked before it is decoded, a JPEG is
decoded at a reduced scale, and nothing larger than needed is kept in memory."""
import io

import pytest
from PIL import Image, ImageFile

from app.catalog import photos
from app.errors import DomainError
from tests.api.catalog_helpers import create_resource
from tests.api.test_photos import ADD, b64


def _png(size) -> bytes:
    out = io.BytesIO()
    Image.new("1", size).save(out, "PNG", optimize=True)  # one bit a pixel: a tiny file
    return out.getvalue()


@pytest.fixture
def decoded(monkeypatch):
    """The size of every image Pillow actually decodes (load() with tiles still to read)."""
    sizes = []
    load = ImageFile.ImageFile.load

    def recording_load(image):
        if image.tile:
            sizes.append(image.size)
        return load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", recording_load)
    return sizes


def test_a_small_png_of_many_pixels_is_refused_without_decoding(member_api, decoded):
    bomb = _png((6300, 6300))
    assert len(bomb) < 200_000
    resource = create_resource(member_api)
    result = member_api.data(ADD, input={"resourceId": resource["id"], "data": b64(bomb)})["addResourcePhoto"]
    assert decoded == []  # refused on the header's dimensions: not one pixel decoded
    assert result["photo"] is None and result["errors"][0]["code"] == "INVALID"
    assert result["errors"][0]["field"] == ["photo"]


def test_a_panorama_too_long_is_refused():
    with pytest.raises(DomainError):
        photos.decode(_png((photos.MAX_SIDE + 1, 100)))


def test_a_large_jpeg_is_decoded_at_a_reduced_scale(decoded):
    out = io.BytesIO()
    Image.new("RGB", (6000, 4000), (90, 120, 30)).save(out, "JPEG", quality=70)
    image = photos.decode(out.getvalue())
    assert decoded == [(3000, 2000)]  # decoded once, at half scale: never the full 24 Mpx in memory
    assert photos.SIZE <= max(image.size) < 6000


def test_an_upright_photo_stays_upright():
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # taken with the phone turned: rotate 90° to show
    Image.new("RGB", (400, 300)).save(out, "JPEG", exif=exif.tobytes())
    assert photos.decode(out.getvalue()).size == (300, 400)
