"""What test_openapi's described_document declares in C: descriptions on model fields (plain,
nested, optional nested), on path, query and header parameters, and an operation's
summary, description and tags. The fixture tests/openapi/described.json is this app's
app.openapi() under FastAPI 0.141.1 / pydantic 2.13.4."""
from typing import Annotated

from fastapi import FastAPI, Header, Path, Query
from pydantic import BaseModel, Field

app = FastAPI()


class Image(BaseModel):
    url: str


class Item(BaseModel):
    name: str = Field(description="The name")
    price: float = Field(default=1.5, description="Price in EUR", gt=0)
    image: Image = Field(description="The picture")
    maybe: Image | None = Field(default=None, description="Optional picture")
    tags: list[str] = Field(default=[], description="Tags")


@app.post("/items/{item_id}", tags=["items", "write"], summary="Create",
          description="Creates an item.")
def create(item_id: Annotated[int, Path(description="The id", ge=1)], body: Item,
           q: Annotated[str | None, Query(description="Search")] = None,
           x_token: Annotated[str, Header(description="Token")] = "t") -> Item:
    return body


@app.get("/plain")
def plain() -> dict:
    return {}


@app.get("/strs")
def strs() -> dict[str, str]:
    return {}


@app.get("/ints")
def ints() -> list[int]:
    return []
