"""Construction: config files (INI, JSON), keyword options, precedence, and the errors of a
bad configuration or a wrong token."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iron_worker import (ConfigError, HTTPError, InvalidArgumentError, IronWorker,
                         IronWorkerError, UnauthorizedError)


def test_config_ini_positional_like_the_tutorial(server, clean_environment):
    server.write_config_ini(clean_environment / "config.ini")

    worker = IronWorker("config.ini")

    assert worker.getProjectDetails()["id"] == server.project_id


def test_config_keyword_and_pathlike(server, clean_environment):
    path = server.write_config_ini(clean_environment / "config.ini")

    assert IronWorker(config=path).get_project_details()["id"] == server.project_id
    assert IronWorker(config=str(path)).getProjectDetails()["id"] == server.project_id


def test_config_json_file(server, clean_environment):
    Path("iron.json").write_text(json.dumps({
        "token": server.token, "project_id": server.project_id, "host": server.host,
        "port": server.port, "protocol": "http"}))

    assert IronWorker("iron.json").getProjectDetails()["id"] == server.project_id
    # ./iron.json is also found on its own.
    assert IronWorker().getProjectDetails()["id"] == server.project_id


def test_keyword_options_like_the_tutorial(server):
    worker = IronWorker(token=server.token, project_id=server.project_id, host=server.host,
                        port=str(server.port), protocol="http")
    assert worker.getProjectDetails()["id"] == server.project_id


def test_keyword_options_beat_the_config_file(server, clean_environment):
    Path("config.ini").write_text(
        f"[iron_worker]\ntoken = wrong\nproject_id = {'0' * 24}\n"
        f"host = {server.host}\nport = {server.port}\nprotocol = http\n")

    worker = IronWorker("config.ini", token=server.token, project_id=server.project_id)

    assert worker.getProjectDetails()["id"] == server.project_id


def test_environment_variables_are_read(server, monkeypatch):
    monkeypatch.setenv("IRON_WORKER_TOKEN", server.token)
    monkeypatch.setenv("IRON_WORKER_PROJECT_ID", server.project_id)
    worker = IronWorker(host=server.host, port=server.port, protocol="http")
    assert worker.getProjectDetails()["id"] == server.project_id


def test_missing_config_file_is_a_config_error():
    with pytest.raises(ConfigError, match="no-such.ini"):
        IronWorker("no-such.ini")


def test_malformed_config_file_is_a_config_error(clean_environment):
    Path("broken.json").write_text("{not json")
    with pytest.raises(ConfigError, match="broken.json"):
        IronWorker("broken.json")


def test_missing_token_says_where_it_looked():
    with pytest.raises(ConfigError) as info:
        IronWorker(project_id="a" * 24)
    assert "token" in str(info.value)
    assert isinstance(info.value, IronWorkerError)


def test_unknown_option_is_named():
    with pytest.raises(InvalidArgumentError, match="colour"):
        IronWorker(token="t", project_id="a" * 24, colour="blue")


def test_wrong_argument_types_are_type_errors():
    with pytest.raises(TypeError, match="token must be a str, not int"):
        IronWorker(token=12345, project_id="a" * 24)
    with pytest.raises(TypeError, match="port must be a number or a str, not list"):
        IronWorker(token="t", project_id="a" * 24, port=[80])
    with pytest.raises(TypeError, match="config must be a str or os.PathLike, not int"):
        IronWorker(42)
    with pytest.raises(TypeError):
        IronWorker("a.ini", "b.ini")


def test_wrong_token_is_unauthorized_and_never_shows_the_token(server):
    secret = "wrong-token-" + "x" * 20
    worker = server.client(token=secret)

    with pytest.raises(UnauthorizedError) as info:
        worker.getProjectDetails()

    err = info.value
    assert err.status == 401
    assert isinstance(err, HTTPError)
    assert err.msg
    assert secret not in str(err) and secret not in repr(err)
    assert server.token not in str(err)
