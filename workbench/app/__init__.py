"""The Streamlit app (main.py) and its Streamlit-free helpers."""
