"""Where errors come from and how an app reshapes them: the FastAPI app that examples/errors.c
ports route for route (FastAPI 0.141 / pydantic 2.13).

A dependency with its own query parameters (FastAPI's common_parameters), an API key checked
by a dependency, HTTPException with headers, a custom exception with its own handler, and the
app's two exception handlers: every HTTP error (raised by a route or a dependency, or
Starlette's 404 and 405) becomes {"status": ..., "error": ...}, every validation error a 400
listing each error's place and message. tests/test_errors.c holds its answers, and
tests/openapi/errors.json its OpenAPI document (app.openapi()).
"""
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

app = FastAPI(title="Errors", version="1.0.0")


@app.exception_handler(StarletteHTTPException)
async def http_error(request: Request, exc: StarletteHTTPException):
    return JSONResponse({"status": exc.status_code, "error": exc.detail},
                        status_code=exc.status_code, headers=exc.headers)


@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError):
    errors = [{"loc": e["loc"], "msg": e["msg"]} for e in exc.errors()]
    return JSONResponse({"error": "Validation failed", "errors": errors}, status_code=400)


class UnicornException(Exception):
    def __init__(self, name: str):
        self.name = name


@app.exception_handler(UnicornException)
async def unicorn_exception_handler(request: Request, exc: UnicornException):
    return JSONResponse(status_code=418,
                        content={"message": f"Oops! {exc.name} did something. There goes a rainbow..."})


async def common_parameters(q: str | None = None, skip: int = 0, limit: int = 100):
    return {"q": q, "skip": skip, "limit": limit}


CommonsDep = Annotated[dict, Depends(common_parameters)]


@app.get("/items/")
async def read_items(commons: CommonsDep):
    return commons


@app.get("/users/")
async def read_users(commons: CommonsDep):
    return commons


items = {"foo": "The Foo Wrestlers"}


class ItemOut(BaseModel):
    item: str


@app.get("/items/{item_id}")
async def read_item(item_id: str) -> ItemOut:
    if item_id not in items:
        raise HTTPException(status_code=404, detail="Item not found",
                            headers={"X-Error": "There goes my error"})
    return ItemOut(item=items[item_id])


@app.get("/unicorns/{name}")
async def read_unicorn(name: str):
    if name == "yolo":
        raise UnicornException(name=name)
    return {"unicorn_name": name}


api_key = APIKeyHeader(name="X-API-Key")


def verify_key(key: Annotated[str, Depends(api_key)]):
    if key != "secret-key":
        raise HTTPException(status_code=403, detail="Invalid API key")
    return key


@app.get("/secure/data", dependencies=[Depends(verify_key)])
async def secure_data():
    return {"data": "only for key holders"}
