"""The newsroom's tools: the review report (`make review`) and the content check (`make check-content`)."""
