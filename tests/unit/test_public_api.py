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


def test_collections_pages_and_writes_are_typed_as_the_callers_resources():
    # The layers below Resource are generic over it (hyperkm._node): a type checker sees the
    # members of items() as Resources, with their actions and follow(), not as Any.
    import typing

    from hyperkm import _jobs, _writes

    # items() and pages() are typed by the class they are called on (``self: R``): a
    # Resource's give Resources, a subclass's give the subclass.
    for method in (hyperkm.Resource.items, hyperkm.Resource.pages):
        hints = typing.get_type_hints(method)
        assert isinstance(hints["self"], typing.TypeVar), method
        assert typing.get_args(hints["return"]) == (hints["self"],), method
    assert typing.get_type_hints(hyperkm.Resource.items)["return"].__origin__ is hyperkm.Items
    for function in (_writes.write, _writes.submit, _jobs.wait):
        hints = typing.get_type_hints(function)
        assert hints["return"] is hints[next(iter(hints))], function  # R in, R out
