"""Planted items: everything the 2020 work plan asks for, the planted defects and the decoys.

Dates of planted items are fixed (seed-independent) so that every ground-truth statement in the manifest
holds for every seed and every scale; only publishing times, numbers and ordinary news vary with the seed.
"""
from __future__ import annotations

import datetime as dt

from . import content as C
from .world import D, World, add_workdays, rand_date, STALE_COLUMNS, BLANK_COLUMN

B = C.BUREAU           # 济宁市兖州区教育和体育局
BS = C.BUREAU_SHORT    # 兖州区教育和体育局
H = "html"             # marker for raw HTML body fragments: (H, "<table>…")


def _p(w: World, col: str, d: dt.date, kind, title: str, *, year=None, paras=None, publisher=BS, doc_no=None,
       topic="教育", written=None, key=None, site="bureau", about_bureau=None, gen="news"):
    key = key or f"plant-{col}-{d.isoformat()}-{len(w._articles)}"
    return w.add(site, col, d, title, publisher, kind=kind, key=key, year=year, paras=paras, doc_no=doc_no,
                 topic=topic, written=written or d, protected=True, about_bureau=about_bureau, gen=gen)


def _sign(d, unit=B):
    return [unit, C.cn_date(d)]


def _table(rows) -> tuple:
    out = ['<table border="1" cellspacing="0" cellpadding="4" style="border-collapse:collapse">']
    for i, r in enumerate(rows):
        tag = "th" if i == 0 else "td"
        out.append("<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in r) + "</tr>")
    out.append("</table>")
    return (H, "".join(out))


# --------------------------------------------------------------------------- finance

def budget_spec(w: World, unit: str, year: int, final: bool, key: str) -> dict:
    rng = w.rng("money", unit, year, final, key)
    big = unit.endswith("教育和体育局")
    total = round(rng.uniform(52000, 76000) if big else rng.uniform(1800, 9500), 2)
    basic = round(total * rng.uniform(0.76, 0.88), 2)
    project = round(total - basic, 2)
    general = round(total * rng.uniform(0.90, 0.97), 2)
    other_in = round(total - general, 2)
    reception = round(rng.uniform(1.2, 4.6) if big else rng.uniform(0.3, 2.5), 2)
    car = round(rng.uniform(2.0, 7.5) if big else rng.uniform(0.5, 4.0), 2)
    sangong = round(reception + car, 2)
    label = "决算" if final else "预算"
    du = "度" if final else ""
    title = f"{unit}{year}年{du}部门{label}"
    paras = [
        title,
        "第一部分 部门概况",
        f"一、部门职责：{unit}是区政府工作部门，主要负责贯彻执行国家、省、市有关方针政策和法律法规，统筹管理本行业本系统各项工作。",
        "二、机构设置：本部门部门预决算由部门本级及所属单位预决算组成。",
        f"第二部分 {year}年{du}部门{label}情况说明",
        f"一、收支{label}总体情况：{year}年{du}收入{label}总计{total:.2f}万元，支出{label}总计{total:.2f}万元。",
        f"二、收入{label}情况：一般公共预算拨款收入{general:.2f}万元，其他收入{other_in:.2f}万元。",
        f"三、支出{label}情况：基本支出{basic:.2f}万元，项目支出{project:.2f}万元。",
        f"四、三公经费{label}情况：{year}年{du}“三公”经费{label}{sangong:.2f}万元，其中：因公出国（境）费0.00万元；"
        f"公务接待费{reception:.2f}万元；公务用车购置及运行费{car:.2f}万元（其中公务用车购置费0.00万元，公务用车运行维护费{car:.2f}万元）。",
        "五、政府采购情况、国有资产占用情况、绩效目标设置情况及名词解释（略，详见附表）。",
    ]
    tables = [
        (f"收支{label}总表", [["项目", "金额（万元）"], ["一般公共预算拨款收入", f"{general:.2f}"],
                            ["其他收入", f"{other_in:.2f}"], ["收入合计", f"{total:.2f}"],
                            ["基本支出", f"{basic:.2f}"], ["项目支出", f"{project:.2f}"], ["支出合计", f"{total:.2f}"]]),
        (f"三公经费{label}表", [["项目", "金额（万元）"], ["三公经费合计", f"{sangong:.2f}"],
                              ["因公出国（境）费", "0.00"], ["公务接待费", f"{reception:.2f}"],
                              ["公务用车购置及运行费", f"{car:.2f}"]]),
    ]
    return {"title": title, "paras": paras, "tables": tables,
            "figures": {"total": total, "basic": basic, "project": project, "sangong": sangong,
                        "reception": reception, "car": car}}


def sangong_spec(w: World, unit: str, year: int, final: bool, key: str) -> dict:
    s = budget_spec(w, unit, year, final, key)
    f = s["figures"]
    label = "决算" if final else "预算"
    du = "度" if final else ""
    title = f"{unit}{year}年{du}“三公”经费{label}情况说明"
    return {"title": title, "paras": [
        title,
        f"{year}年{du}三公经费{label}{f['sangong']:.2f}万元，其中：因公出国（境）费0.00万元；公务接待费{f['reception']:.2f}万元；"
        f"公务用车购置及运行费{f['car']:.2f}万元。",
        "三公经费按照厉行节约的要求，严格控制公务接待和公务用车运行维护支出。",
    ], "tables": s["tables"][1:], "figures": f}


def _finance(w: World, col: str, d, kind, unit: str, year: int, final: bool, site="bureau", key=None):
    du = "度" if final else ""
    label = "决算" if final else "预算"
    if kind == "sangong":
        spec = sangong_spec(w, unit, year, final, key or "")
        title = spec["title"]
    else:
        spec = budget_spec(w, unit, year, final, key or "")
        title = f"{unit}{year}年{du}部门{label}"
    paras = [
        f"根据《中华人民共和国预算法》和《中共中央办公厅 国务院办公厅印发〈关于进一步推进预算公开工作的意见〉的通知》等有关规定，"
        f"现将{unit}{year}年{du}{'“三公”经费' if kind == 'sangong' else '部门'}{label}予以公开，具体内容详见附件。",
        "附件：",
    ]
    a = _p(w, col, d, kind, title, year=year, paras=paras, publisher=unit, site=site, topic="财政",
           key=key, about_bureau=None if site == "bureau" else False)
    w.attach(a, f"{title}.pdf", "pdf", spec)
    if kind != "sangong" and site == "bureau":
        w.attach(a, f"{year}年{du}部门{label}公开表.xlsx", "xlsx", spec)
    return a


# --------------------------------------------------------------------------- the bureau

POLICIES = [
    # (date, name, inner name (None: title is the document), doc no, interpretation offset in working days / None)
    (D(2019, 3, 12), "兖州区中小学生学籍管理实施细则", 8, 1),
    (D(2019, 5, 8), "兖州区中小学幼儿园安全管理办法", 15, 0),
    (D(2019, 7, 16), "兖州区校外培训机构规范管理实施方案", 23, 2),
    (D(2019, 9, 20), "兖州区家庭经济困难学生认定办法", 31, 3),
    (D(2019, 11, 26), "兖州区中小学教师减负清单", 40, 1),
    (D(2020, 3, 17), "兖州区中小学课后服务实施办法", 6, 1),
    (D(2020, 5, 19), "兖州区普惠性民办幼儿园认定管理办法", 14, None),          # no interpretation
    (D(2020, 6, 23), "关于进一步加强中小学生作业管理的实施意见", 19, 2),
    (D(2020, 8, 18), "兖州区义务教育学校教师“县管校聘”管理改革实施方案", 25, 6),  # 6 working days: late
    (D(2020, 10, 20), "兖州区中小学校体育工作考核办法", 33, 0),
    (D(2020, 11, 24), "兖州区民办学校分类登记管理办法", 38, 3),
]

CONSULTATIONS = [
    # (published, name, window start, window end, feedback date or None)
    (D(2019, 4, 10), "兖州区校外培训机构规范管理实施方案", D(2019, 4, 10), D(2019, 5, 10), D(2019, 5, 24)),
    (D(2020, 3, 2), "兖州区普惠性民办幼儿园认定管理办法", D(2020, 3, 2), D(2020, 4, 1), D(2020, 4, 15)),
    (D(2020, 6, 1), "兖州区中小学校布局专项规划（2020—2035年）", D(2020, 6, 1), D(2020, 7, 1), D(2020, 7, 17)),
    (D(2020, 8, 3), "兖州区中小学校体育工作考核办法", D(2020, 8, 3), D(2020, 8, 17), D(2020, 8, 28)),   # 15 days
    (D(2020, 9, 7), "兖州区“十四五”教育事业发展规划", D(2020, 9, 7), D(2020, 10, 12), None),          # no feedback
]


def _policy_text(name: str) -> list:
    return [
        f"第一条 为贯彻落实上级有关决策部署，规范和加强相关工作，结合我区实际，制定{'本办法' if name.endswith('办法') else '本文件'}。",
        "第二条 本文件适用于全区各级各类学校（幼儿园）及相关单位。",
        "第三条 区教体局负责统筹协调、组织实施和监督检查；各镇（街）教委、各学校是落实工作的责任主体。",
        "第四条 各单位应当建立健全工作制度，明确责任分工，加强过程管理，确保各项要求落实到位。",
        "第五条 区教体局将适时开展督导检查，对工作不力的单位予以通报。",
        "第六条 本文件自印发之日起施行，有效期5年。",
    ]


def plant_bureau(w: World):
    # ---- 财政预决算 (req 1.2)
    _finance(w, "3308", D(2019, 2, 15), "budget", B, 2019, False, key="budget-2019")
    _finance(w, "3308", D(2019, 2, 15), "sangong", B, 2019, False, key="sangong-2019")
    fa2018 = _finance(w, "3308", D(2019, 8, 23), "final_account", B, 2018, True, key="final-2018")
    _finance(w, "3308", D(2019, 8, 23), "sangong", B, 2018, True, key="sangong-2018")
    _finance(w, "3308", D(2020, 2, 14), "budget", B, 2020, False, key="budget-2020")
    _finance(w, "3308", D(2020, 2, 14), "sangong", B, 2020, False, key="sangong-2020")
    w.defect("missing", "1.2", f"{B}2019年度部门决算未公开（2018年度决算2019-08-23已公开，2020年部门预算已公开）",
             [], kind="final_account", year=2019, unit=B, due="2020-09-30")
    w.defect("decoy", "1.2", "本局2018年度部门决算（2019年公开）：年度不符，不能满足2019年度部门决算要求",
             [fa2018], kind="final_account", year=2018)

    # ---- 重大建设项目 (req 1.1 / 1.2)
    projects = [
        (D(2019, 4, 18), "project_approval", 2019, "兖州区实验小学东校区建设项目批准信息"),
        (D(2019, 10, 15), "project_progress", 2019, "兖州区实验小学东校区建设项目实施进展情况"),
        (D(2020, 3, 20), "project_approval", 2020, "兖州区第十八中学新建工程项目批准信息"),
        (D(2020, 4, 10), "project_progress", 2020, "兖州区实验小学东校区建设项目实施进展情况（2020年第一季度）"),
        (D(2020, 5, 12), "project_approval", 2020, "兖州区龙桥幼儿园新建项目批复情况"),
        (D(2020, 7, 10), "project_progress", 2020, "兖州区第十八中学新建工程项目建设进展情况（2020年第二季度）"),
        (D(2020, 10, 13), "project_progress", 2020, "兖州区第十八中学新建工程项目建设进展情况（2020年第三季度）"),
        (D(2020, 12, 15), "project_progress", 2020, "2020年全区中小学校舍改造提升工程实施情况"),
    ]
    for d, kind, y, title in projects:
        rng = w.rng("project", title)
        name = title.split("建设项目")[0].split("新建")[0]
        if kind == "project_approval":
            paras = [f"项目名称：{name}建设项目",
                     f"批准文号：兖发改投资〔{y}〕{rng.randint(10, 90)}号",
                     f"建设地点：兖州区{rng.choice(C.TOWNS)}",
                     f"建设规模及内容：总建筑面积{rng.randint(9000, 36000)}平方米，主要建设教学楼、综合楼、风雨操场及附属设施。",
                     f"总投资：{rng.randint(5000, 26000)}万元，资金来源为区级财政资金及上级专项资金。",
                     "项目法人：兖州区教育和体育局", "批准机关：兖州区发展和改革局"]
        else:
            paras = [f"截至{C.cn_date(d - dt.timedelta(days=10))}，{name}建设项目完成主体结构施工{rng.randint(40, 100)}%，"
                     f"累计完成投资{rng.randint(1500, 12000)}万元。",
                     "项目建设严格落实招标投标、工程监理、合同管理等制度，施工质量和安全生产总体可控。",
                     "下一步，将加快推进室内外装修及配套设施建设，确保按期交付使用。"]
        _p(w, "3309", d, kind, title, year=y, paras=paras + _sign(d), topic="城乡建设")

    # ---- 招生入学 (req 1.3)
    enroll = [
        (D(2019, 5, 24), "enroll_policy", 2019, "2019年兖州区城区义务教育学校招生入学工作实施方案", "docx"),
        (D(2019, 6, 6), "enroll_zone", 2019, "2019年兖州区城区小学、初中学区划分公告", None),
        (D(2019, 6, 14), "enroll_plan", 2019, "2019年兖州区城区义务教育学校招生计划", "xlsx"),
        (D(2019, 8, 16), "enroll_result", 2019, "2019年兖州区城区小学一年级新生录取结果公告", None),
        (D(2020, 6, 5), "enroll_policy", 2020, "2020年兖州区城区义务教育学校招生入学工作实施方案", "docx"),
        (D(2020, 6, 12), "enroll_zone", 2020, "2020年兖州区城区小学、初中学区划分公告", "pdf"),
        (D(2020, 6, 19), "enroll_policy", 2020, "2020年兖州区公办幼儿园招生工作方案", "docx"),
        (D(2020, 8, 14), "enroll_result", 2020, "2020年兖州区城区小学一年级新生录取结果公告", None),
        (D(2020, 8, 21), "enroll_result", 2020, "2020年兖州区城区初中一年级新生录取结果公告", None),
    ]
    schools = [s for s in C.SCHOOLS if s.endswith(("小学", "中学")) and "镇" not in s and "街道" not in s]
    for d, kind, y, title, att in enroll:
        rng = w.rng("enroll", title)
        rows = [["学校", "招生范围" if kind == "enroll_zone" else "计划招生班数", "计划招生人数"]]
        for s in schools[:8]:
            rows.append([s, f"{rng.choice(C.TOWNS)}部分社区" if kind == "enroll_zone" else str(rng.randint(4, 16)),
                         str(rng.randint(180, 720))])
        if kind == "enroll_policy":
            paras = [f"为做好{y}年义务教育学校招生入学工作，根据《中华人民共和国义务教育法》及省、市有关文件精神，制定本方案。",
                     "一、指导思想。坚持义务教育公益性原则，坚持免试就近入学，促进教育公平。",
                     f"二、招生对象。{y - 6}年9月1日至{y - 5}年8月31日出生的适龄儿童，以及小学应届毕业生。",
                     "三、招生方式。实行网上报名、材料审核、结果公示，热线电话：0537-3412580。",
                     "四、时间安排。6月中旬网上报名，7月审核，8月中旬公布录取结果。",
                     "详见附件。"]
        elif kind == "enroll_zone":
            paras = [f"根据{y}年城区义务教育学校招生入学工作实施方案，现将城区小学、初中学区划分公告如下：", _table(rows)]
        elif kind == "enroll_plan":
            paras = [f"现将{y}年兖州区城区义务教育学校招生计划公布如下：", _table(rows), "详见附件。"]
        else:
            paras = [f"{y}年兖州区城区义务教育学校招生工作已经结束，现将录取结果公告如下：",
                     _table([["学校", "录取人数"]] + [[r[0], r[2]] for r in rows[1:]]),
                     "家长可登录兖州区义务教育招生报名平台查询录取信息。"]
        a = _p(w, "3310", d, kind, title, year=y, paras=paras + _sign(d))
        if att:
            spec = {"title": title, "paras": [title] + [p for p in paras if isinstance(p, str)],
                    "tables": [("招生信息", rows)]}
            w.attach(a, f"{title}.{att}", att, spec)
        if kind == "enroll_plan" and y == 2019:
            w.defect("decoy", "1.3", "2019年招生计划：上一年度的招生计划，不能满足2020年招生计划要求", [a],
                     kind="enroll_plan", year=2019)
    w.defect("missing", "1.3", "2020年义务教育学校招生计划未公开（2020年招生政策、学区划分、录取结果均已公开）", [],
             kind="enroll_plan", year=2020, due="2020-09-30")

    # ---- 疫情防控 / 复学 (req 2.1)
    _p(w, "3329", D(2020, 2, 10), "notice", "关于延迟2020年春季学期开学时间的通知",
       paras=["根据上级疫情防控工作部署，全区各级各类学校2020年春季学期延迟开学，具体开学时间另行通知。",
              "延迟开学期间，各学校要组织开展“停课不停学”线上教学。"] + _sign(D(2020, 2, 10)), topic="卫生")
    guides = [(D(2020, 4, 3), "兖州区中小学校复学疫情防控工作指引"),
              (D(2020, 4, 30), "兖州区幼儿园复园疫情防控工作指引"),
              (D(2020, 8, 24), "兖州区中小学校2020年秋季学期开学疫情防控工作指引")]
    guide_arts = []
    for d, title in guides:
        paras = ["为统筹做好疫情防控和教育教学工作，确保师生生命安全和身体健康，制定本指引。",
                 "一、开学（复学）前准备。落实“一校一案”，完成校园环境全面消杀，储备口罩、消毒液、体温检测设备等防疫物资。",
                 "二、返校管理。师生返校前14天每日健康监测，返校时查验健康通行码，实行错时错峰入校。",
                 "三、校内防控。严格落实晨午检、因病缺课追踪登记、通风消毒等制度，设置临时留观室。",
                 "四、应急处置。出现发热等症状的，立即启动应急预案，按规定报告并配合做好处置。",
                 "详见附件。"]
        a = _p(w, "3329", d, "reopening_guide", title, year=2020, paras=paras + _sign(d), topic="卫生")
        w.attach(a, f"{title}.docx", "docx", {"title": title, "paras": [title] + paras[:-1], "tables": []})
        guide_arts.append(a)
    d = add_workdays(guides[0][0], 2)
    _p(w, "3307", d, "interpretation", "图解：兖州区中小学校复学疫情防控工作指引", year=2020,
       paras=["一图读懂复学疫情防控工作指引：返校前健康监测、错峰入校、晨午检、应急处置四个环节。", "相关文件："] + _sign(d),
       topic="卫生").links.append((guide_arts[0], guides[0][1]))

    # ---- 政策文件 + 政策解读 (req 3.1)
    for i, (d, name, no, off) in enumerate(POLICIES):
        inner = name if name.startswith("关于") else f"《{name}》"
        title = name if name.startswith("关于") else f"关于印发《{name}》的通知"
        doc_no = f"兖教体发〔{d.year}〕{no}号"
        paras = (["各镇（街）教委，区直各学校（幼儿园），局属各单位："]
                 + ([f"现将{inner}印发给你们，请结合实际，认真贯彻执行。"] if not name.startswith("关于") else [])
                 + _policy_text(name) + _sign(d))
        pol = _p(w, "3306", d, "policy", title, year=d.year, paras=paras, doc_no=doc_no,
                 written=d - dt.timedelta(days=w.rng("written", name).randint(1, 4)), key=f"policy-{i}")
        if i % 2 == 0:
            w.attach(pol, f"{name.strip('《》')}.docx", "docx",
                     {"title": name, "paras": [name] + _policy_text(name), "tables": []})
        if off is None:
            w.defect("no_interpretation", "3.1", f"政策文件“{title}”（{doc_no}，{d}）未发布政策解读", [pol],
                     policy=pol, doc_no=doc_no)
            continue
        idate = add_workdays(d, off) if off else d
        ititle = f"图解：{name}" if off == 0 and i % 2 else f"{inner if inner.startswith('《') else '《' + name + '》'}政策解读"
        ip = [f"一、制定背景。为贯彻落实上级有关决策部署，回应社会关切，区教体局制定了{inner}。",
              "二、制定依据。依据国家、省、市有关法律法规和政策文件。",
              "三、主要内容。文件共六条，明确了适用范围、职责分工、工作要求和监督检查等内容。",
              "四、重要举措。压实学校主体责任，建立督导检查机制，强化结果运用。",
              "五、解读机关：兖州区教育和体育局；解读人：政策法规科负责同志；联系电话：0537-3412566。",
              "相关文件："] + _sign(idate)
        ia = _p(w, "3307", idate, "interpretation", ititle, year=d.year, paras=ip, key=f"interp-{i}")
        ia.links.append((pol, title))
        if off > 3:
            w.defect("late_interpretation", "3.1",
                     f"“{title}”{d}印发，政策解读{idate}才发布，迟{off}个工作日（要求3个工作日内）",
                     [pol, ia], policy=pol, interpretation=ia, working_days=off, limit=3)

    # ---- 征求意见 (req 4.1)
    for i, (d, name, s, e, fb) in enumerate(CONSULTATIONS):
        title = f"关于《{name}（征求意见稿）》公开征求意见的公告"
        window = f"征求意见时间：{C.cn_date(s)}至{C.cn_date(e)}"
        paras = [f"为提高决策的科学性和透明度，我局起草了《{name}（征求意见稿）》，现向社会公开征求意见。",
                 f"{window}。",
                 "社会各界可通过以下方式提出意见建议：",
                 "一、电子邮件：yzjtjzcfg@163.com（请在邮件主题注明“征求意见”）；",
                 "二、信函：寄至兖州区教育和体育局政策法规科，邮编272100（以邮戳时间为准）。",
                 "附件："] + _sign(d)
        ca = _p(w, "3312", d, "consultation", title, year=d.year, paras=paras, key=f"consult-{i}")
        w.attach(ca, f"{name}（征求意见稿）.docx", "docx",
                 {"title": f"{name}（征求意见稿）", "paras": [f"{name}（征求意见稿）", window] + _policy_text(name),
                  "tables": []})
        days = (e - s).days + 1
        if days < 30:
            w.defect("short_consultation", "4.1", f"“{title}”征求意见期{days}天（{s}至{e}），少于30日且未说明理由",
                     [ca], window_start=s.isoformat(), window_end=e.isoformat(), window_days=days)
        if fb is None:
            w.defect("no_feedback", "4.1", f"“{title}”征求意见已于{e}结束，未公开意见收集采纳情况",
                     [ca], window_start=s.isoformat(), window_end=e.isoformat())
            continue
        rng = w.rng("feedback", name)
        n = rng.randint(6, 40)
        m = rng.randint(1, n // 2)
        fp = [f"{C.cn_date(s)}至{C.cn_date(e)}，我局就《{name}（征求意见稿）》向社会公开征求意见。",
              f"征求意见期间，共收到意见建议{n}条，经认真研究，采纳{m}条，部分采纳{rng.randint(0, n - m)}条。"
              "未采纳的意见主要涉及上位法已有明确规定或超出本文件调整范围的事项，已通过适当方式向意见提出人作出说明。",
              "相关链接："] + _sign(fb)
        fa = _p(w, "3312", fb, "consultation_feedback", f"《{name}》征求意见采纳情况的说明", year=fb.year,
                paras=fp, key=f"feedback-{i}")
        fa.links.append((ca, title))

    # ---- 政府开放日 / 网络问政 (req 4.2)
    for d, title in [(D(2019, 5, 16), "区教体局举办“政府开放日”活动 邀请市民代表走进校园"),
                     (D(2019, 11, 21), "区教体局负责同志做客“行风在线”网络问政栏目"),
                     (D(2020, 6, 18), "兖州区教育和体育局2020年“政府开放日”活动公告"),
                     (D(2020, 6, 30), "区教体局“政府开放日”活动邀请家长代表走进校园"),
                     (D(2020, 9, 23), "区教体局主要负责同志做客“行风在线”网络问政栏目"),
                     (D(2020, 12, 4), "区教体局开展“网络问政”活动 回应家长关切")]:
        online = "网络问政" in title or "行风在线" in title
        _p(w, "3331", d, "open_day", title, year=d.year, paras=[
            (f"{C.md(d)}，区教体局主要负责同志做客“行风在线”网络问政直播节目，围绕群众关心的入学、课后服务、校园安全等问题与网民互动交流。"
             if online else f"{C.md(d)}，区教体局举办“政府开放日”活动，邀请人大代表、政协委员、家长代表和市民代表走进校园、走进机关。"),
            (f"节目中，共解答网民提问{w.rng('od', title).randint(12, 40)}个，对需要进一步调查核实的问题，承诺限时办理并反馈。"
             if online else "活动中，代表们实地参观了学校课后服务、食堂管理和智慧校园建设情况，并与相关科室负责同志进行了座谈交流。"),
            "代表们提出的意见建议，区教体局将认真梳理、逐条研究，及时回应社会关切。",
            "“政府开放日”“网络问政”是推进决策公开、扩大公众参与的重要举措，区教体局将持续常态化开展此类活动。",
        ] + _sign(d))

    # ---- 机构职能目录 / 权责清单 / 双随机 / 一网通办 (req 5.x)
    duties = ["贯彻执行国家、省、市教育和体育工作方针政策", "拟订全区教育和体育事业发展规划并组织实施",
              "统筹管理全区各级各类教育", "负责全区教师队伍建设和管理", "负责教育经费统筹管理",
              "统筹推进全民健身和竞技体育工作", "负责全区学校安全稳定工作"]
    fc = _p(w, "3317", D(2020, 7, 8), "function_catalog", f"{B}机构职能目录（2020年）", year=2020,
            paras=["一、主要职责"] + [f"（{i + 1}）{t}。" for i, t in enumerate(duties)]
            + ["二、内设机构：办公室、计划财务科、人事科、基础教育科、学前教育科、职业教育科、许可服务科、体育科、安全科、校产办。"]
            + _sign(D(2020, 7, 8)))
    w.attach(fc, "机构职能目录.docx", "docx", {"title": fc.title, "paras": [fc.title] + duties, "tables": []})
    power_rows = [["序号", "事项类型", "事项名称", "实施依据", "责任科室"]] + [
        [str(i + 1), t, n, "《中华人民共和国教育法》等", u] for i, (t, n, u) in enumerate([
            ("行政许可", "教师资格认定", "许可服务科"), ("行政许可", "民办学校设立审批", "许可服务科"),
            ("行政许可", "校外培训机构设立审批", "许可服务科"), ("行政处罚", "对违法举办学校的处罚", "许可服务科"),
            ("行政检查", "对学校办学行为的检查", "基础教育科"), ("行政给付", "学生资助", "计划财务科"),
            ("其他权力", "中小学教材选用备案", "基础教育科")])]
    for d, title in [(D(2019, 6, 26), f"{B}权责清单"), (D(2020, 8, 7), f"{B}权责清单（2020年调整）")]:
        a = _p(w, "3320", d, "power_list", title, year=d.year,
               paras=["根据区委编办统一部署，现将本部门权责清单予以公布，详见附件。", "附件："] + _sign(d))
        w.attach(a, f"{title}.xlsx", "xlsx", {"title": title, "paras": [title], "tables": [("权责清单", power_rows)]})
    dr = [(D(2019, 4, 12), "兖州区教育和体育局2019年“双随机、一公开”抽查工作计划"),
          (D(2019, 12, 6), "兖州区教育和体育局2019年“双随机、一公开”抽查结果公示"),
          (D(2020, 3, 25), "兖州区教育和体育局2020年“双随机、一公开”随机抽查事项清单"),
          (D(2020, 4, 17), "兖州区教育和体育局2020年“双随机、一公开”抽查工作计划"),
          (D(2020, 7, 24), "兖州区教育和体育局2020年第一批“双随机、一公开”抽查结果公示"),
          (D(2020, 11, 20), "兖州区教育和体育局2020年第二批“双随机、一公开”抽查结果公示")]
    for d, title in dr:
        rng = w.rng("dr", title)
        rows = [["序号", "抽查对象", "抽查事项", "抽查结果"]] + [
            [str(i + 1), rng.choice(["兖州区", "兖州区新兖镇", "兖州区鼓楼街道"]) + rng.choice(["智学", "启航", "博文", "阳光", "童趣"]) + "培训学校",
             rng.choice(["办学资质", "收费行为", "消防安全", "师资条件"]), rng.choice(["未发现问题", "已责令整改", "未发现问题"])]
            for i in range(6)]
        a = _p(w, "3319", d, "double_random", title, year=d.year,
               paras=["根据“双随机、一公开”监管工作要求，现将有关情况公示如下：", _table(rows)] + _sign(d))
        if "清单" in title:
            w.attach(a, f"{title}.xlsx", "xlsx", {"title": title, "paras": [title], "tables": [("抽查事项", rows)]})
    for d, title in [(D(2019, 11, 8), "兖州区教育和体育局“一次办好”事项清单"),
                     (D(2020, 4, 28), "兖州区教育和体育局政务服务事项“一网通办”清单"),
                     (D(2020, 5, 22), "关于教师资格认定业务实行“一窗受理”的公告"),
                     (D(2020, 9, 15), "中小学教师资格认定“掌上办”操作指南")]:
        _p(w, "3323", d, "one_network", title, year=d.year,
           paras=["为深化“放管服”改革，推进政务服务“一网通办”、“一窗受理”，方便群众办事，现将有关事项公告如下。",
                  "一、办理事项：" + "、".join(C.SERVICE_ITEMS[:6]) + "。",
                  "二、办理渠道：山东省政务服务网（济宁市兖州区站）、“爱山东”APP、兖州区政务服务中心教育窗口。",
                  "三、咨询电话：0537-3412577。"] + _sign(d))

    # ---- 政府工作报告重点任务执行情况, quarterly (req 6.1): 2020Q2 missing
    qn = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
    for y, q, d in [(2019, 1, D(2019, 4, 16)), (2019, 2, D(2019, 7, 12)), (2019, 3, D(2019, 10, 15)),
                    (2019, 4, D(2020, 1, 14)), (2020, 1, D(2020, 4, 14)), (2020, 3, D(2020, 10, 16))]:
        title = f"{y}年政府工作报告涉及教育体育重点任务{qn[q]}执行情况"
        rng = w.rng("wr", title)
        paras = [f"现将{y}年区政府工作报告涉及教育体育方面重点任务{qn[q]}执行情况公开如下："] + [
            f"{i + 1}. {t}：{rng.choice(['按计划推进', '已完成年度目标的' + str(rng.randint(25, 100)) + '%', '正在有序推进'])}。"
            for i, t in enumerate(["新建改扩建中小学校、幼儿园", "推进义务教育优质均衡发展", "实施中小学课后服务全覆盖",
                                   "开展全民健身活动", "改善农村学校办学条件"])] + _sign(d)
        _p(w, "3330", d, "work_report_progress", title, year=y, paras=paras, key=f"wr-{y}-{q}")
    w.defect("missing_period", "6.1", "2020年政府工作报告涉及教育体育重点任务第二季度执行情况未公开（其他季度按季公开）",
             [], kind="work_report_progress", period="2020Q2", year=2020, due="2020-07-31")

    # ---- 督查审计整改 (req 6.2)
    for d, title in [(D(2019, 9, 17), "关于2018年度预算执行审计发现问题整改情况的公告"),
                     (D(2020, 6, 30), "关于2019年度预算执行审计发现问题整改情况的公告"),
                     (D(2020, 11, 12), "关于区委第三巡察组反馈意见整改落实情况的通报")]:
        _p(w, "3322", d, "audit_rectification", title, year=d.year,
           paras=["根据有关规定，现将整改落实情况予以公告。",
                  "一、整改工作的组织领导。局党组高度重视，成立整改工作领导小组，逐项制定整改措施。",
                  "二、问题整改落实情况。反馈的问题已全部整改到位，建立长效机制。",
                  "三、下一步工作打算。持续巩固整改成果，举一反三，防止问题反弹。"] + _sign(d))

    # ---- 人大建议 / 政协提案 (req 6.3): replies present, 2020 summary missing
    topics = ["加强农村学校师资力量", "解决城区学校大班额问题", "推进中小学课后服务", "加强校园周边交通安全管理",
              "改善乡镇学校办学条件", "加强中小学生心理健康教育", "推进学前教育普惠发展", "加强青少年体育锻炼",
              "规范校外培训机构管理", "加强中小学生近视防控"]
    tr = w.rng("replies")
    replies = [(2019, "npc", D(2019, 7, 9), 3), (2019, "cppcc", D(2019, 7, 19), 3),
               (2020, "npc", D(2020, 7, 7), 5), (2020, "cppcc", D(2020, 7, 21), 4)]
    for y, typ, d0, n in replies:
        nums = sorted(tr.sample(range(5, 160), n))
        for j, num in enumerate(nums):
            d = add_workdays(d0, j * 3)
            topic = topics[(j * 3 + (y - 2019) * 5 + (typ == "cppcc")) % len(topics)]
            if typ == "npc":
                session = "区十八届人大三次会议" if y == 2019 else "区十八届人大四次会议"
                title = f"关于{session}第{num}号建议的答复"
                salute = f"{C.person(tr)}代表："
                kind = "npc_reply"
            else:
                session = "区政协十一届三次会议" if y == 2019 else "区政协十一届四次会议"
                title = f"对{session}第{num}号提案的答复"
                salute = f"{C.person(tr)}委员："
                kind = "cppcc_reply"
            _p(w, "3311", d, kind, title, year=y, doc_no=f"兖教体函〔{y}〕{num}号",
               paras=[salute, f"您提出的关于{topic}的{'建议' if typ == 'npc' else '提案'}收悉，现答复如下：",
                      f"一、基本情况。近年来，我局高度重视{topic}工作，采取了一系列措施，取得了一定成效。",
                      "二、下一步工作措施。我们将认真吸纳您的意见建议，进一步完善工作机制，加大投入力度，抓好工作落实。",
                      "感谢您对教育体育工作的关心和支持。", "办理类别：A类", "联系人：办公室　联系电话：0537-3412566"] + _sign(d))
    ps = _p(w, "3311", D(2019, 11, 29), "proposal_summary", "兖州区教育和体育局2019年人大代表建议和政协提案办理工作总体情况",
            year=2019, paras=["2019年，我局共承办区十八届人大三次会议代表建议12件、区政协十一届三次会议委员提案15件，"
                              "已全部按期办结，代表委员满意率100%。", "一、高度重视，压实责任。", "二、规范程序，提升质效。",
                              "三、狠抓落实，注重实效。"] + _sign(D(2019, 11, 29)))
    w.defect("missing", "6.3", "2020年建议提案办理工作总体情况未公开（2020年建议、提案答复已公开）", [],
             kind="proposal_summary", year=2020, due="2020-12-31")
    w.defect("decoy", "6.3", "2019年建议提案办理工作总体情况：上一年度，不能满足2020年要求", [ps],
             kind="proposal_summary", year=2019)

    # ---- 政务公开事项标准目录 (req 7.1): due 2020-09-30, published 2020-10-16
    sc = _p(w, "3318", D(2020, 10, 16), "standard_catalog", f"{B}政务公开事项标准目录", year=2020,
            paras=["根据《国务院办公厅关于全面推进基层政务公开标准化规范化工作的指导意见》要求，"
                   "我局编制完成了义务教育、学前教育、体育等领域政务公开事项标准目录，现予以公布，详见附件。", "附件："]
            + _sign(D(2020, 10, 16)))
    rows = [["序号", "公开事项", "公开内容", "公开依据", "公开时限", "公开主体", "公开渠道"]] + [
        [str(i + 1), item, f"{item}相关信息", "《中华人民共和国政府信息公开条例》", "信息形成或变更之日起20个工作日内",
         BS, "政府网站"] for i, item in enumerate(
            ["教育政策文件", "招生入学政策", "学区划分", "招生计划", "招生结果", "学生资助政策", "教师招聘",
             "民办学校审批", "全民健身活动", "体育场馆开放"])]
    w.attach(sc, "政务公开事项标准目录.xlsx", "xlsx", {"title": sc.title, "paras": [sc.title], "tables": [("标准目录", rows)]})
    w.defect("late", "7.1", f"{B}政务公开事项标准目录应于2020年9月底前编制公布，实际2020-10-16发布", [sc],
             kind="standard_catalog", due="2020-09-30", published="2020-10-16")

    # ---- 政府信息公开指南 (req 13.1) and 年度报告
    for d, title, y in [(D(2019, 3, 18), f"{B}政府信息公开指南", 2019),
                        (D(2020, 3, 27), f"{B}政府信息公开指南（2020年修订）", 2020)]:
        _p(w, "3315", d, "disclosure_guide", title, year=y, paras=[
            "为更好地提供政府信息公开服务，根据2019年修订的《中华人民共和国政府信息公开条例》，编制本指南。",
            "一、主动公开。（一）公开内容：机构职能、政策文件、规划计划、财政预决算、招生入学等。（二）公开方式：政府网站、政务新媒体等。"
            "（三）公开时限：信息形成或者变更之日起20个工作日内。",
            "二、依申请公开。（一）受理机构：兖州区教育和体育局办公室，地址：兖州区建设东路，邮政编码：272100，"
            "办公时间：工作日上午8:30-12:00，下午13:30-17:30（夏季14:00-18:00），联系电话：0537-3412566。"
            "（二）申请方式：当面提交、邮寄、网上申请。（三）办理时限：收到申请之日起20个工作日内答复。",
            "三、监督和救济。公民、法人或者其他组织认为本机关在政府信息公开工作中侵犯其合法权益的，可以依法申请行政复议或者提起行政诉讼。",
        ] + _sign(d))
    for d, y in [(D(2019, 1, 28), 2018), (D(2020, 1, 20), 2019)]:
        rng = w.rng("annual", y)
        made, total = rng.randint(300, 800), rng.randint(900, 2400)
        apps = rng.randint(3, 20)
        title = f"{B}{y}年政府信息公开工作年度报告"
        _p(w, "3316", d, "annual_report", title, year=y, paras=[
            f"本报告根据《中华人民共和国政府信息公开条例》要求编制，报告中所列数据统计期限自{y}年1月1日起至{y}年12月31日止。",
            "一、总体情况",
            f"{y}年，我局认真贯彻落实政府信息公开条例，全年主动公开政府信息{total}条，其中政策文件{rng.randint(5, 15)}件。",
            "二、主动公开政府信息情况",
            _table([["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
                    ["规章", "0", "0", "0"], ["规范性文件", str(rng.randint(3, 9)), str(rng.randint(3, 9)), str(rng.randint(20, 60))],
                    ["主动公开信息", str(made), str(total), str(total * 3)]]),
            "三、收到和处理政府信息公开申请情况",
            f"本年度共收到政府信息公开申请{apps}件，已全部按期答复。",
            "四、政府信息公开行政复议、行政诉讼情况",
            "本年度未发生因政府信息公开引起的行政复议、行政诉讼。",
            "五、存在的主要问题及改进情况",
            "存在的问题：部分栏目更新不够及时，政策解读形式较为单一。改进措施：加强栏目日常维护，丰富解读形式。",
            "六、其他需要报告的事项",
            "本年度未收取信息处理费。",
        ] + _sign(d))

    # ---- 新闻发布会 (req 11.2)
    for d, title in [(D(2019, 6, 4), "兖州区2019年义务教育招生入学政策新闻发布会"),
                     (D(2019, 9, 5), "兖州区庆祝第35个教师节新闻发布会"),
                     (D(2020, 4, 1), "兖州区中小学复学工作新闻发布会"),
                     (D(2020, 6, 4), "兖州区2020年义务教育招生入学政策新闻发布会"),
                     (D(2020, 8, 27), "兖州区2020年秋季开学工作新闻发布会"),
                     (D(2020, 12, 17), "兖州区“十三五”教育体育发展成就新闻发布会")]:
        _p(w, "3321", d, "press_conference", title, year=d.year, paras=[
            f"{C.md(d)}上午，兖州区人民政府新闻办公室召开{title.replace('兖州区', '')}，区教体局主要负责同志介绍有关情况并回答记者提问。",
            "发布会上，区教体局有关负责同志从工作举措、时间安排、注意事项等方面进行了详细介绍。",
            "随后，相关负责同志就记者关心的热点问题进行了回答。"] + _sign(d))

    # ---- 规划计划 incl. this year's 政务公开工作要点
    for d, title in [(D(2019, 2, 26), "兖州区教育和体育局2019年工作要点"),
                     (D(2019, 4, 23), "兖州区教育和体育局2019年政务公开工作要点"),
                     (D(2020, 3, 6), "兖州区教育和体育局2020年工作要点"),
                     (D(2020, 4, 21), "兖州区教育和体育局2020年政务公开工作要点")]:
        paras = C.generic_body(w.rng("plan", title), d, title)
        pa = _p(w, "3314", d, "plan_doc", title, year=d.year, topic="规划", paras=paras[:-2] + ["附件："] + paras[-2:])
        w.attach(pa, f"{title}.docx", "docx", {"title": title, "paras": [title] + paras[:-2], "tables": []})

    # ---- a notice whose attachment is missing (downfile answers 404)
    d = D(2020, 9, 18)
    a = _p(w, "3305", d, "notice", "关于举办2020年兖州区中小学生田径运动会的通知",
           paras=["各镇（街）教委，区直各学校：",
                  "经研究，定于2020年10月中旬举办兖州区中小学生田径运动会，现将有关事项通知如下。",
                  "一、比赛时间和地点：2020年10月14日至16日，兖州区体育中心。",
                  "二、参赛办法：详见竞赛规程。请各单位于9月30日前报送报名表。",
                  "附件："] + _sign(d))
    w.attach(a, "2020年兖州区中小学生田径运动会竞赛规程.docx", "docx",
             {"title": "竞赛规程", "paras": ["竞赛规程"], "tables": []}, missing=True)
    w.attach(a, "报名表.xlsx", "xlsx", {"title": "报名表", "paras": ["报名表"],
                                        "tables": [("报名表", [["单位", "组别", "项目", "姓名", "性别"]])]})
    w.defect("missing_attachment", None, "“关于举办2020年兖州区中小学生田径运动会的通知”的附件“竞赛规程”无法下载（404）",
             [a], attachment=a.attachments[0], name=a.attachments[0].name)

    # ---- column-level defects
    col = w.sites["bureau"].by_id
    for cid, last in STALE_COLUMNS.items():
        w.defect("stale_column", None, f"动态类栏目“{col[cid].name}”最后更新于{last}，超过2周未更新",
                 [col[cid].url], column=cid, name=col[cid].name, **{"class": col[cid].cls},
                 last_item_date=last.isoformat())
    w.defect("blank_column", None, f"栏目“{col[BLANK_COLUMN].name}”从未发布任何信息（空白栏目）",
             [col[BLANK_COLUMN].url], column=BLANK_COLUMN, name=col[BLANK_COLUMN].name)


# --------------------------------------------------------------------------- upper-level columns

UPPER_BUREAU = {
    # site: [(date, title, publisher)]
    "province": [
        (D(2019, 5, 21), "济宁市兖州区教育和体育局：聚焦教育民生 推进教育领域政务公开", "济宁市兖州区教育和体育局"),
        (D(2019, 11, 14), "【济宁兖州】区教体局强化招生入学信息公开 保障群众知情权", "济宁市人民政府办公室"),
        (D(2020, 2, 25), "兖州区教体局做好复学疫情防控信息公开", "济宁市人民政府办公室"),
        (D(2020, 5, 27), "济宁市兖州区教育和体育局“四个强化”推动教育政务公开提质增效", "济宁市兖州区教育和体育局"),
        (D(2020, 11, 18), "济宁市兖州区教育和体育局扎实推进教育领域基层政务公开标准化规范化", "济宁市兖州区教育和体育局"),
    ],
    "city": [
        (D(2019, 4, 11), "兖州区教体局开展“政府开放日”活动 邀请家长走进校园", "兖州区教育和体育局"),
        (D(2019, 9, 19), "兖州区教育和体育局：以公开促规范 以规范促服务", "兖州区教育和体育局"),
        (D(2020, 3, 12), "兖州区教体局做好复学疫情防控信息公开", "兖州区教育和体育局"),
        (D(2020, 4, 23), "兖州区教育和体育局多措并举做好教育政策解读", "兖州区教育和体育局"),
        (D(2020, 6, 16), "兖州区教体局强化招生入学信息公开 保障群众知情权", "兖州区人民政府办公室"),
        (D(2020, 8, 27), "兖州区教育和体育局规范教育系统政务新媒体管理", "兖州区教育和体育局"),
        (D(2020, 12, 3), "兖州区教体局推进学校信息公开全覆盖", "兖州区教育和体育局"),
    ],
    "district": [
        (D(2019, 2, 28), "区教体局召开政务公开工作推进会", "区教体局"),
        (D(2019, 5, 16), "区教体局：开展“政府开放日”活动 邀请家长走进校园", "区教体局"),
        (D(2019, 8, 22), "兖州区教育和体育局强化招生入学信息公开", "兖州区教育和体育局"),
        (D(2019, 11, 7), "区教体局开展政务公开业务培训提升工作水平", "区教体局"),
        (D(2020, 1, 16), "区教体局：以公开促规范 以规范促服务", "区教体局"),
        (D(2020, 3, 19), "区教体局做好复学疫情防控信息公开", "区教体局"),
        (D(2020, 5, 14), "兖州区教育和体育局多措并举做好教育政策解读", "兖州区教育和体育局"),
        (D(2020, 6, 24), "区教体局强化招生入学信息公开 保障群众知情权", "区教体局"),
        (D(2020, 8, 6), "区教体局规范教育系统政务新媒体管理", "区教体局"),
        (D(2020, 9, 17), "区教体局扎实推进教育领域基层政务公开标准化规范化", "区教体局"),
        (D(2020, 10, 29), "兖州区教育和体育局推进学校信息公开全覆盖", "兖州区教育和体育局"),
        (D(2020, 12, 10), "区教体局召开2020年政务公开工作推进会", "区教体局"),
    ],
}
UPPER_DECOYS = {
    "province": [
        (D(2020, 8, 12), "曲阜市教育和体育局：“三个聚焦”推进教育领域政务公开", "曲阜市教育和体育局"),
        (D(2020, 9, 3), "济宁市兖州区卫生健康局多措并举做好疫情防控信息公开", "兖州区卫生健康局"),
    ],
    "city": [
        (D(2020, 7, 15), "邹城市教体局强化招生入学信息公开", "邹城市教育和体育局"),
        (D(2020, 10, 22), "兖州区人力资源和社会保障局推进职业教育培训信息公开", "兖州区人力资源和社会保障局"),
    ],
    "district": [
        (D(2020, 7, 9), "区卫健局：做好疫情防控信息公开", "兖州区卫生健康局"),
        (D(2020, 9, 24), "区人社局推进职业技能培训信息公开", "兖州区人力资源和社会保障局"),
    ],
}
DISTRICT_FINANCE_UNITS = ["兖州区卫生健康局", "兖州区民政局", "兖州区财政局", "兖州区住房和城乡建设局", "兖州区农业农村局",
                          "兖州区人力资源和社会保障局", "兖州区市场监督管理局", "兖州区医疗保障局"]


def plant_upper(w: World):
    for site, items in UPPER_BUREAU.items():
        col = w.sites[site].named_column
        for i, (d, title, pub) in enumerate(items):
            rng = w.rng(site, "bureau-item", i)
            paras = C.upper_body(rng, d, "兖州区教育和体育局", title)
            _p(w, col, d, "upper_item", title, year=d.year, paras=paras, publisher=pub, site=site, about_bureau=True,
               key=f"{site}-bureau-{i}", gen="upper")
        decoys = []
        for i, (d, title, pub) in enumerate(UPPER_DECOYS[site]):
            rng = w.rng(site, "decoy-item", i)
            decoys.append(_p(w, col, d, "upper_item", title, year=d.year, publisher=pub, site=site, about_bureau=False,
                             paras=C.upper_body(rng, d, pub, title), key=f"{site}-decoy-{i}", gen="upper"))
        w.defect("decoy", "10.2", f"“{w.sites[site].by_id[col].name}”中其他单位（外县市区教体局、兖州区其他部门）的信息："
                 "不计入本局报送数", decoys, site=site, column=col)
    # province: 2020Q3 has no bureau item (target 1 per quarter)
    w.defect("low_submissions", "10.2", "“政务公开看山东”专栏2020年第三季度无本局信息（目标每季度至少1条）",
             [], site="province", column=w.sites["province"].named_column, quarter="2020Q3", count=0, target=1)
    # district 部门预决算: other units' budgets and final accounts
    finals = []
    for i, unit in enumerate(DISTRICT_FINANCE_UNITS):
        _finance(w, "13204", D(2019, 2, 20) + dt.timedelta(days=i % 5), "budget", unit, 2019, False, site="district",
                 key=f"dist-budget-2019-{i}")
        _finance(w, "13204", D(2019, 8, 26) + dt.timedelta(days=i % 4), "final_account", unit, 2018, True,
                 site="district", key=f"dist-final-2018-{i}")
        _finance(w, "13204", D(2020, 2, 18) + dt.timedelta(days=i % 5), "budget", unit, 2020, False, site="district",
                 key=f"dist-budget-2020-{i}")
        finals.append(_finance(w, "13204", D(2020, 8, 24) + dt.timedelta(days=i % 4), "final_account", unit, 2019,
                               True, site="district", key=f"dist-final-2019-{i}"))
    w.defect("decoy", "1.2", "区政府网站“部门预决算”栏目中其他单位的2019年度部门决算（兖州区卫生健康局等）：不是本局的决算",
             finals, site="district", column="13204", kind="final_account", year=2019)


# --------------------------------------------------------------------------- extras on ordinary content

def plant_ordinary_extras(w: World):
    arts = [a for a in w._articles if a.site == "bureau" and not a.protected]
    by_col: dict[str, list] = {}
    for a in arts:
        by_col.setdefault(a.column, []).append(a)
    for v in by_col.values():
        v.sort(key=lambda a: (a.published, a.key))
    rng = w.rng("extras")

    # dedicated ordinary-looking carriers, so that every scale has them
    def ordinary(cid, lo, hi, key, **kw):
        d = rand_date(rng, lo, hi)
        if cid == "3305":
            return w.add("bureau", cid, d, C.notice_title(rng, d), kind="notice", key=key, gen="notice",
                         protected=True, **kw)
        if cid == "3303":
            school = rng.choice(C.SCHOOLS)
            act = C.activity(rng, d, school)
            return w.add("bureau", cid, d, f"{school}开展{act}", school, kind="news", key=key, gen="news",
                         protected=True, extra={"ev": ("activity", act, school)}, **kw)
        t, p, ev = C.news_title(rng, d)
        return w.add("bureau", cid, d, t, p, kind="news", key=key, gen="news", protected=True, extra={"ev": ev}, **kw)

    # three broken internal links in article bodies
    broken = [
        (ordinary("3301", D(2020, 3, 1), D(2020, 10, 30), "broken-0"), "/art/2019/3/15/art_3301_4400123.html",
         "关于全区教育工作会议的报道"),
        (ordinary("3302", D(2019, 3, 1), D(2019, 12, 27), "broken-1"), "/art/2019/6/2/art_3305_4399871.html",
         "关于做好2019年中考工作的通知"),
        (ordinary("3305", D(2020, 2, 3), D(2020, 8, 28), "broken-2"), "/col/col3399/index.html", "更多信息请点击"),
    ]
    for a, href, text in broken:
        a.links.append((href, text))
        w.defect("broken_link", None, f"“{a.title}”正文中的链接“{text}”指向不存在的页面（404）", [a],
                 **{"from": a, "to": href})

    # legacy GBK pages: 20 news items of 2019 (the old template)
    for i in range(20):
        ordinary(("3301", "3302", "3303")[i % 3], D(2019, 1, 2), D(2019, 12, 27), f"gbk-{i}", encoding="gbk")

    # ordinary 相关阅读 links to an older article of the same column (valid links)
    for col in ("3301", "3302", "3303", "3305"):
        lst = by_col.get(col, [])
        for i, a in enumerate(lst):
            if i > 5 and not a.protected and rng.random() < 0.04:
                t = lst[rng.randint(0, i - 1)]
                if t.protected and t.links:
                    continue
                a.links.append((t, t.title))
                a.protected = t.protected = True
