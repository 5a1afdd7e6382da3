"""The online platform: the atelier's knowledge base, agenda and forum on the web (Starlette
and Jinja2, served by uvicorn in the hub's event loop), over the core's services and storage."""
