"""Posts: home (the people I follow and me), explore (everyone), and a post with its comments."""
from flask import Blueprint, abort, current_app, make_response, request, url_for
from flask_login import current_user, login_required

from ..activity import passive
from ..extensions import limiter
from ..htmx import form_succeeded, render, render_form, render_fragment
from ..models import Comment, Follow, Post, User, viewer_new_posts
from ..pagination import START, Cursor, Page, paginate
from ..security import configured_limit, signed_in_user_key
from ..viewer import live_viewer
from .forms import CommentForm, PostForm

bp = Blueprint("posts", __name__)

comment_limit = limiter.limit(configured_limit("SEND_RATE_LIMIT"), methods=["POST"], key_func=signed_in_user_key)


def home_page() -> Page:
    """The requested page of my posts and those of the people I follow, newest first."""
    return paginate(Follow.home_of(current_user), current_app.config["POSTS_PER_PAGE"])


def explore_page() -> Page:
    """The requested page of everyone's posts, newest first."""
    return paginate(Post.timeline(), current_app.config["POSTS_PER_PAGE"])


def suggestions() -> dict:
    """For someone who follows nobody: a few of the most active people to follow."""
    if current_user.following_count:
        return {"suggested": []}
    return {"suggested": User.most_active(current_app.config["SUGGESTED_PEOPLE"], excluding=current_user)}


def new_posts_after(page: Page) -> str:
    """Where the home's new-posts poll starts: after the newest post shown; "" (no poll) on an
    older page, whose newer posts are the pager's to show."""
    if request.args.get("before"):
        return ""
    return (Cursor.of(page.items[0]) if page.items else START).encode()


@bp.get("/")
@login_required
def index():
    """The new-post form and the timeline of the people I follow and mine; htmx's pager (and the
    "new posts" button, which takes the posts it brings) asks for the list alone."""
    page = home_page()
    return render("posts/index.html", "posts/_post_list.html", form=PostForm(), page=page,
                  new_posts_after=new_posts_after(page), page_context=suggestions)


@bp.get("/home/new-posts")
@passive
def new_posts():
    """The home timeline's poll: how many posts of the people I follow (and mine) came after the
    newest it shows (`after`), as a "N new posts" button; an empty 204 when that number is the
    one the page shows (`shown`). One query (the live session and the count, bounded) and no ORM
    object (viewer.py)."""
    after = Cursor.decode(request.args.get("after"))
    if after is None:
        return make_response("", 204)
    cap = current_app.config["NEW_POSTS_CAP"]
    count = min(cap, live_viewer(viewer_new_posts(), cap=cap, cursor_timestamp=after.timestamp,
                                 cursor_id=after.id).new)
    if request.args.get("shown", 0, type=int) == count:
        response = make_response("", 204)
    else:
        response = render_fragment("posts/_new_posts.html", after=after.encode(), count=count)
    response.headers["Cache-Control"] = "no-store"
    return response


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
                       page_context=lambda: {"page": home_page(), **suggestions()})


@bp.get("/explore")
@login_required
def explore():
    """Everyone's posts, newest first."""
    return render("posts/explore.html", "posts/_post_list.html", page=explore_page())


@bp.get("/post/<int(max=2147483647):post_id>")
@login_required
def post(post_id):
    """One post and its comments, oldest first, opening at the newest ones; htmx's pager asks for
    the comments alone."""
    row = post_or_404(post_id)
    return render("posts/post.html", "posts/_comment_list.html", post=row, form=CommentForm(),
                  page=comments_page(post_id))


@bp.post("/post/<int(max=2147483647):post_id>")
@login_required
@comment_limit
def comment(post_id):
    """Comment: in place with htmx (a fresh form, the newest comments, mine among them), PRG
    without; errors beside the field; a clear error when the post is gone (nothing stored)."""
    form = CommentForm()
    if form.validate_on_submit():
        stored = Comment.add(post_id, current_user, form.comment.data)
        if stored is None:
            abort(404, "That post has been deleted: your comment was not stored.")
        location = url_for("posts.post", post_id=post_id, _anchor=f"comment-{stored.id}")
        return form_succeeded("Your comment is posted.", location, lambda: render_fragment(
            "posts/_comment_posted.html", form=CommentForm(formdata=None), post_id=post_id,
            page=comments_page(post_id)))
    return render_form(form, "posts/post.html", "posts/_comment_form.html", post_id=post_id,
                       page_context=lambda: {"post": post_or_404(post_id), "page": comments_page(post_id)})


def post_or_404(post_id: int):
    """The post as a row, or a 404 page."""
    row = Post.row(post_id)
    if row is None:
        abort(404)
    return row


def comments_page(post_id: int) -> Page:
    """The requested page of a post's comments (the newest when none is asked for)."""
    return paginate(Comment.under(post_id), current_app.config["COMMENTS_PER_PAGE"])
