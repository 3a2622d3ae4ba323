from shop.platform.problems import flatten_errors


def test_errors_of_list_items_name_the_item_by_index():
    detail = {"lines": {1: {"quantity": ["Too many."]}}, "non_field_errors": ["Bad."]}

    assert flatten_errors(detail) == [
        {"field": "lines[1].quantity", "message": "Too many."},
        {"field": "", "message": "Bad."},
    ]
