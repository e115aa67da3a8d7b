"""Rasa-side code of Trợ lý Tín dụng Chính sách: NLU components and channels."""
