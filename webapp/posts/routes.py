"""Home: the new-post form and the timeline."""
from flask import Blueprint, current_app, url_for
from flask_login import current_user, login_required

from ..htmx import form_succeeded, render, render_form, render_fragment
from ..models import Post
from ..pagination import Page, paginate
from .forms import PostForm

bp = Blueprint("posts", __name__)


def timeline_page() -> Page:
    """The requested page of everyone's posts, newest first."""
    return paginate(Post.timeline(), current_app.config["POSTS_PER_PAGE"])


@bp.get("/")
@login_required
def index():
    """The new-post form and the timeline; htmx's pager asks for the list alone."""
    return render("posts/index.html", "posts/_post_list.html", form=PostForm(), page=timeline_page())


@bp.post("/")
@login_required
def create():
    """Publish a post: in place with htmx, Post/Redirect/Get without; errors beside the field."""
    form = PostForm()
    if form.validate_on_submit():
        post = Post.publish(current_user, form.post.data)
        return form_succeeded("Your post is now live!", url_for("posts.index"), lambda: render_fragment(
            "posts/_post_created.html", form=PostForm(formdata=None), post=post))
    return render_form(form, "posts/index.html", "posts/_post_form.html",
                       page_context=lambda: {"page": timeline_page()})
