"""Photos: decoded to check their type, size-limited, resized and re-encoded as JPEG, listed
without one query per resource."""
import base64
import io

from PIL import Image

from tests.api.catalog_helpers import create_resource, signed_in

ADD = """mutation($input: AddResourcePhotoInput!) { addResourcePhoto(input: $input) { photo { id url thumbnailUrl width height } errors { code field message } } }"""
REMOVE = """mutation($input: RemoveResourcePhotoInput!) { removeResourcePhoto(input: $input) { resource { photos { id } } errors { code } } }"""


def image_bytes(fmt="PNG", size=(3000, 2000), color=(200, 130, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_upload_is_resized_reencoded_and_served(app, member_api, client):
    resource = create_resource(member_api)
    result = member_api.data(ADD, input={"resourceId": resource["id"], "data": b64(image_bytes())})["addResourcePhoto"]
    assert result["errors"] == []
    photo = result["photo"]
    assert (photo["width"], photo["height"]) == (1600, 1067)
    large = client.get(photo["url"])
    assert large.status_code == 200 and large.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(large.data)).format == "JPEG"
    thumb = Image.open(io.BytesIO(client.get(photo["thumbnailUrl"]).data))
    assert max(thumb.size) == 480
    removed = member_api.data(REMOVE, input={"photoId": photo["id"]})["removeResourcePhoto"]
    assert removed["resource"]["photos"] == []
    assert client.get(photo["url"]).status_code == 404


def test_bad_files_are_refused_with_a_clear_message(app, member_api, make_member):
    resource = create_resource(member_api)
    fake = b64(b"<?php echo 'not an image'; ?>" * 10)
    result = member_api.data(ADD, input={"resourceId": resource["id"], "data": fake})
    assert result["addResourcePhoto"]["errors"][0]["message"] == "Envoyez une photo JPEG, PNG ou WebP."  # her language
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    assert member_api.data(ADD, input={"resourceId": resource["id"], "data": b64(gif.getvalue())})["addResourcePhoto"]["errors"][0]["code"] == "INVALID"
    truncated = image_bytes("JPEG", (800, 600))[:2000]
    assert member_api.data(ADD, input={"resourceId": resource["id"], "data": b64(truncated)})["addResourcePhoto"]["errors"][0]["code"] == "INVALID"
    too_big = b64(b"\xff" * (5 * 1024 * 1024 + 10))
    assert member_api.data(ADD, input={"resourceId": resource["id"], "data": too_big})["addResourcePhoto"]["errors"][0]["code"] == "INVALID"
    stranger = signed_in(app, make_member, "Curieux")
    denied = stranger.data(ADD, input={"resourceId": resource["id"], "data": b64(image_bytes(size=(50, 50)))})
    assert denied["addResourcePhoto"]["errors"][0]["code"] == "FORBIDDEN"
    assert member_api.data("query($id: ID!) { resource(id: $id) { photos { id } } }", id=resource["id"])["resource"]["photos"] == []


def test_catalogue_loads_photos_in_one_query(app, member_api):
    from tests.api.test_catalog_search import count_statements

    for i in range(6):
        r = create_resource(member_api, title=f"Outil {i}")
        member_api.data(ADD, input={"resourceId": r["id"], "data": b64(image_bytes(size=(40, 30)))})
    query = "query($first: Int) { resources(first: $first) { edges { node { title photos { thumbnailUrl } } } } }"
    small = count_statements(app, lambda: member_api.data(query, first=2))
    large = count_statements(app, lambda: member_api.data(query, first=6))
    assert small == large
