"""Photos of a resource, sent base64-encoded."""
import base64
import binascii
from typing import Optional

import strawberry

from app.api.context import Info
from app.api.mutations import Payload, mutation_payload, node_pk
from app.catalog import photos
from app.catalog.api.inputs import AddResourcePhotoInput, RemoveResourcePhotoInput, resource_pk
from app.catalog.api.types import PhotoType, ResourceType
from app.errors import DomainError, ErrorCode


def decode_photo(data: str, field: str) -> bytes:
    """A photo sent base64-encoded, as bytes (INVALID on `field` when too big or not base64)."""
    if len(data) > photos.MAX_UPLOAD_BYTES * 4 // 3 + 8:
        raise DomainError(ErrorCode.INVALID, photos.TOO_BIG, field)
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise DomainError(ErrorCode.INVALID, photos.NOT_A_PHOTO, field) from None


@strawberry.type
class AddResourcePhotoPayload(Payload):
    photo: Optional[PhotoType] = None


@strawberry.type
class RemoveResourcePhotoPayload(Payload):
    resource: Optional[ResourceType] = None


@strawberry.type
class PhotoMutation:
    @strawberry.mutation(description="Add a photo to a resource (its owner); resized and re-encoded.")
    @mutation_payload(AddResourcePhotoPayload)
    def add_resource_photo(self, info: Info, input: AddResourcePhotoInput) -> AddResourcePhotoPayload:
        photo = photos.add_photo(info.context.session, info.context.viewer,
                                 resource_pk(input.resource_id), decode_photo(input.data, "data"))
        return AddResourcePhotoPayload(photo=PhotoType.of(photo.id, photo.width, photo.height))

    @strawberry.mutation(description="Remove a photo (the resource's owner).")
    @mutation_payload(RemoveResourcePhotoPayload)
    def remove_resource_photo(self, info: Info, input: RemoveResourcePhotoInput) -> RemoveResourcePhotoPayload:
        resource = photos.remove_photo(info.context.session, info.context.viewer,
                                       node_pk(input.photo_id, "ResourcePhoto", "photoId", photos.NO_PHOTO))
        return RemoveResourcePhotoPayload(resource=ResourceType.from_model(resource))
