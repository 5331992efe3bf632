"""Accounts in Chromium, with JavaScript on and off: registering signs in, a forgotten password is
reset through the link the embedded mail backend keeps under instance/mail/, an account is deleted."""
import re

import pytest
from playwright.sync_api import expect

from ..conftest import PASSWORD, free_port, seed_message, seed_user
from .conftest import kept_mail, link_in, register_and_login

NEW_PASSWORD = "a brand new password"


@pytest.mark.parametrize("javascript", [True, False])
def test_registering_signs_in_and_the_mailed_link_confirms_the_address(new_page, live_server, javascript):
    page = new_page(javascript=javascript)
    register_and_login(page, "anna")
    expect(page.locator("h1")).to_have_text("Home")
    expect(page.locator("#alerts")).to_contain_text("follow the link we sent to anna@example.org")
    page.goto(link_in(kept_mail(live_server.app, 1)[0], "/auth/verify"))
    expect(page.locator("#alerts")).to_contain_text("anna@example.org is confirmed")
    expect(page.locator("main")).to_contain_text("Confirmed: anna@example.org")


@pytest.mark.parametrize("javascript", [True, False])
def test_a_forgotten_password_is_reset_through_the_mailed_link(new_page, live_server, javascript):
    seed_user(live_server.app, "anna")  # a confirmed address: anna@example.org
    phone = new_page()
    register_and_login(phone, "anna", register=False)
    page = new_page(javascript=javascript)
    page.goto("/auth/login")
    page.click("text=Forgot your password?")
    page.fill("input[name=email]", "anna@example.org")
    page.click("main button[type=submit]")
    page.wait_for_url("**/auth/login")
    expect(page.locator("#alerts")).to_contain_text("on its way")
    [message] = kept_mail(live_server.app, 1)
    assert message["To"] == "anna@example.org" and message["Subject"] == "Choose a new password"
    page.goto(link_in(message, "/auth/reset-password"))
    page.fill("input[name=password]", NEW_PASSWORD)
    page.fill("input[name=password2]", NEW_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/auth/reset-password" not in url)
    expect(page.locator("#alerts")).to_contain_text("Your new password is set")
    expect(page.locator("h1")).to_have_text("Home")  # signed in
    phone.goto("/messages")
    expect(phone).to_have_url(re.compile(r"/auth/login"))  # every other session ended


@pytest.mark.parametrize("live_server", [{"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": free_port()}], indirect=True)
@pytest.mark.parametrize("javascript", [True, False])
def test_a_mail_that_could_not_be_sent_is_said_on_the_form(new_page, live_server, javascript):
    page = new_page(javascript=javascript)  # no mail server listens on that port
    page.goto("/auth/reset-password")
    page.fill("input[name=email]", "anna@example.org")
    page.click("main button[type=submit]")
    expect(page.locator("main [role=alert]")).to_contain_text("could not send the mail just now")
    expect(page.locator("input[name=email]")).to_have_value("anna@example.org")
    expect(page).to_have_url(re.compile(r"/auth/reset-password$"))


@pytest.mark.parametrize("javascript", [True, False])
def test_deleting_an_account_leaves_the_other_side_its_conversation(new_page, live_server, javascript):
    seed_user(live_server.app, "bob")
    page = new_page(javascript=javascript)
    register_and_login(page, "anna")
    seed_message(live_server.app, "anna", "bob", "see you")
    page.goto("/edit-profile")
    page.click("text=Delete your account…")
    page.fill("input[name=password]", "not my password")
    page.click("main button[type=submit]")
    expect(page.locator("#password-errors")).to_contain_text("not your password")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/auth/login")
    expect(page.locator("#alerts")).to_contain_text("Your account is deleted")

    bob = new_page(javascript=javascript)
    register_and_login(bob, "bob", register=False)
    bob.goto("/messages")
    expect(bob.locator("li.conversation .conversation-name")).to_have_text("deleted account")
    bob.click("li.conversation a.conversation-link")
    expect(bob.locator("#thread .body-text")).to_have_text(["see you"])
    expect(bob.locator("main")).to_contain_text("This account was deleted")
    expect(bob.locator("#reply-form")).to_have_count(0)
