"""Home: the new-post form and the timeline."""
from flask import Blueprint, current_app, flash, redirect, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..htmx import render, wants_fragment
from ..models import Post
from ..pagination import paginate
from .forms import PostForm

bp = Blueprint("posts", __name__)


def timeline_page():
    """One page of everyone's posts, newest first, with their authors loaded in the same query."""
    stmt = select(Post).options(joinedload(Post.author))
    return paginate(stmt, Post, current_app.config["POSTS_PER_PAGE"])


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    """Show the timeline; accept a new post (in place with htmx, Post/Redirect/Get without)."""
    form = PostForm()
    if form.validate_on_submit():
        post = Post(body=form.post.data, author=current_user)
        db.session.add(post)
        db.session.commit()
        if wants_fragment():
            return render("posts/index.html", "posts/_post_created.html", form=PostForm(formdata=None), post=post)
        flash("Your post is now live!", "success")
        return redirect(url_for("posts.index"), 303)
    if form.is_submitted() and wants_fragment():
        # htmx gets back only the form, with the errors beside the field.
        return render("posts/index.html", "posts/_post_form.html", 422, form=form)
    status = 422 if form.is_submitted() else 200
    return render("posts/index.html", "posts/_post_list.html", status, form=form, page=timeline_page())
