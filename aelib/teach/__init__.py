"""Teaching content: the guided lessons and the quiz."""
