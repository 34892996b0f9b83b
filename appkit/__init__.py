"""Streamlit-only helpers shared by the pages: session state, caches, background jobs, widgets."""
