import hyperkm


def test_all_is_sorted_and_complete():
    assert hyperkm.__all__ == sorted(hyperkm.__all__)
    for name in hyperkm.__all__:
        assert hasattr(hyperkm, name), name


def test_every_error_is_a_hyperkm_error():
    for name in hyperkm.__all__:
        obj = getattr(hyperkm, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, hyperkm.HyperkmError), name


def test_leaves_subclass_matching_builtins():
    assert issubclass(hyperkm.LinkNotFound, KeyError)
    assert issubclass(hyperkm.DocumentError, ValueError)
    assert issubclass(hyperkm.TemplateError, ValueError)
    assert issubclass(hyperkm.Timeout, TimeoutError)
    assert issubclass(hyperkm.TransportError, ConnectionError)


def test_link_not_found_str_is_plain_text_not_key_error_repr():
    err = hyperkm.LinkNotFound("no rel x", rel="x", available=[], suggestions=[])
    assert str(err) == "no rel x"
