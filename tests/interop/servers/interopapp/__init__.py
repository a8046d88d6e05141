"""The models both Django REST framework servers of the interop tier serve."""
