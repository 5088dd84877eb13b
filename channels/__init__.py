"""Hardened input channels for Rasa 3.6: the REST webhook and the socket.io widget channel.

Stock Rasa accepts 100 MB bodies, answers garbage with a 500 or a silent ``[]``, lets typed
``/restart`` skip NLU and says nothing when the action server is down. These subclasses
validate and cap every message before Rasa parses it, answer faults with a short
"trouble answering" message, expose a readiness check and keep message text out of the logs.
Selected in credentials.yml (``channels.rest.HardenedRestInput``,
``channels.socketio.HardenedSocketIOInput``).
"""
