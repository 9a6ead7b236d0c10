def load_state_dict_from_url(url, **kwargs):
    raise RuntimeError("the stand-in cannot download")
