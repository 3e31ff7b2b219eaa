"""The cluster's nodes: which cameras each runs, its CPU and analysed frames (admin page)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from console.deps import ConfigReader, Services
from console.schemas.nodes import NodeOut

router = APIRouter(prefix="/api/v1", tags=["admin"])


@router.get("/nodes", response_model=list[NodeOut], responses={404: {"description": "No cluster"}})
def list_nodes(_user: ConfigReader, services: Services) -> list[NodeOut]:
    """Every node of the cluster the cameras run on; 404 when one process runs them all."""
    if services.nodes is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "not a cluster: one process runs it all")
    return [NodeOut.model_validate(node) for node in services.nodes.nodes()]
