"""Offline compliance preview: the real program under the SDK's mocks, judged by the real pack."""
