"""The held-out end-to-end conversation set (issue 10) and its scorer, played over REST."""
